import App
import Foundation
import Postgres
import Testing
import TestSupport

/// Reads from a streaming replica (availability.md) on a private primary and a replica of it
/// made with `pg_basebackup -R`; the replica is held back with `pg_wal_replay_pause()`.
@Suite struct ReplicaReadsTests {
    final class Rig {
        let primary: PrivateCluster
        let standby: PrivateCluster
        let application: Application
        let reader: String
        var port: UInt16 { application.port }

        init(maxLag: Double, wait: Double = 0.1) throws {
            primary = try PrivateCluster()
            standby = try PrivateCluster(standbyOf: primary)
            let readURL = standby.url
            application = try TestEnvironment.startApplication(databaseURL: primary.url) {
                $0.reads.url = readURL
                $0.reads.maxLag = maxLag
                $0.reads.wait = wait
            }
            reader = try AccessControlTests.makeKey("reader", port: application.port).text
        }

        deinit { application.stop() }

        /// No more of the primary's log is replayed from now on (until `resume`). First the
        /// replica serves a read: the server sends reads there only once it has replayed a position
        /// the server sampled on the primary, and a replica paused before that (the samples start
        /// with the server, slowly on a loaded machine) would never be current enough to serve.
        func pause() throws {
            let replicaReads = #"db_reads_total{target="replica"}"#
            let before = try metric(replicaReads) ?? 0
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline {
                _ = try httpRequest(port: port, "GET", "/imports?limit=1", key: reader)
                if try metric(replicaReads) ?? 0 > before { break }
                usleep(50_000)
            }
            _ = try PostgresConnection(url: standby.url).query("SELECT pg_wal_replay_pause()")
        }

        func resume() throws {
            _ = try PostgresConnection(url: standby.url).query("SELECT pg_wal_replay_resume()")
        }

        /// A counter or gauge of /metrics (with its labels in `name`); nil when it is missing.
        func metric(_ name: String) throws -> Double? {
            let text = try httpRequest(port: port, "GET", "/metrics").text
            return text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.dropFirst(name.count + 1)) }
        }
    }

    /// The answer of `request` once it has `status`, trying for up to `timeout` seconds; the last
    /// answer otherwise (the expectation after it then says what came).
    static func eventually(_ status: Int, timeout: Double = 10, _ request: () throws -> RawResponse) throws -> RawResponse {
        let deadline = Date().addingTimeInterval(timeout)
        var answer = try request()
        while answer.status != status && Date() < deadline {
            usleep(50_000)
            answer = try request()
        }
        return answer
    }

    static func consistency(_ response: RawResponse) -> [(String, String)] {
        response.header(ConsistencyToken.header).map { [(ConsistencyToken.header, $0)] } ?? []
    }

    @Test func aReadWithTheTokenSeesTheWriteWhileTheReplicaIsPaused() throws {
        // A paused replica stays within this lag: only the token keeps it from serving.
        let rig = try Rig(maxLag: 3600)
        try rig.pause()
        let write = try httpRequest(port: rig.port, "POST", "/imports", json: CitizensAPITests.workedImport)
        #expect(write.status == 201, "\(write.summary)")
        let token = try #require(write.header(ConsistencyToken.header), "the write's answer carries Insikt-Consistency")
        #expect(ConsistencyToken(token) != nil, "\(token)")
        let importId: Int = try write.dataField("import_id")

        // The server sends reads to the replica once it has seen it streaming and current (a
        // sample every 50 ms; on a loaded machine it may take a moment): until then the primary answers.
        let stale = try Self.eventually(404) { try httpRequest(port: rig.port, "GET", "/imports/\(importId)", key: rig.reader) }
        #expect(stale.status == 404, "without a token the paused replica answers, from before the write: \(stale.summary)")
        let withToken = try httpRequest(port: rig.port, "GET", "/imports/\(importId)", headers: Self.consistency(write), key: rig.reader)
        #expect(withToken.status == 200, "with the token the write is seen (the primary serves it after the wait): \(withToken.summary)")
        #expect(try rig.metric("db_replica_waits_total") ?? 0 >= 1)
        #expect(try rig.metric(#"db_replica_fallbacks_total{reason="token"}"#) ?? 0 >= 1)
        let unknown = try httpRequest(port: rig.port, "GET", "/imports/\(importId)",
                                      headers: [(ConsistencyToken.header, ConsistencyToken.unknown.description)], key: rig.reader)
        #expect(unknown.status == 200, "the token of a write whose position is unknown sends the read to the primary: \(unknown.summary)")
        let ownKey = try httpRequest(port: rig.port, "GET", "/imports/\(importId)/citizens")
        #expect(ownKey.status == 200, "the key that wrote reads its write without sending the token: \(ownKey.summary)")

        // The route answered on the event loop does not wait: the primary serves at once.
        let airport = try httpRequest(port: rig.port, "POST", "/airports",
                                      json: #"{"name": "Replica Field", "city": "Rig", "country": "S", "latitude": 1.5, "longitude": 2.5}"#)
        #expect(airport.status == 201, "\(airport.summary)")
        let airportId: Int = try airport.dataField("id")
        let staleAirport = try Self.eventually(404) { try httpRequest(port: rig.port, "GET", "/airports/\(airportId)", key: rig.reader) }
        #expect(staleAirport.status == 404, "\(staleAirport.summary)")
        let seenAirport = try httpRequest(port: rig.port, "GET", "/airports/\(airportId)", headers: Self.consistency(airport), key: rig.reader)
        #expect(seenAirport.status == 200, "\(seenAirport.summary)")

        // Replaying again, the replica serves the reads that send the token.
        try rig.resume()
        let before = try rig.metric(#"db_reads_total{target="replica"}"#) ?? 0
        var served = false
        for _ in 0..<100 where !served {
            let read = try httpRequest(port: rig.port, "GET", "/imports/\(importId)", headers: Self.consistency(write), key: rig.reader)
            #expect(read.status == 200, "\(read.summary)")
            served = try rig.metric(#"db_reads_total{target="replica"}"#) ?? 0 > before
            if !served { usleep(50_000) }
        }
        #expect(served, "a replica that has replayed the write serves the read")
    }

    @Test func withoutATokenAPausedReplicaBeyondTheMaxLagIsSkipped() throws {
        let rig = try Rig(maxLag: 0.2)
        try rig.pause()
        let write = try httpRequest(port: rig.port, "POST", "/imports", json: CitizensAPITests.workedImport)
        #expect(write.status == 201, "\(write.summary)")
        let importId: Int = try write.dataField("import_id")
        var read: RawResponse?
        for _ in 0..<100 {
            read = try httpRequest(port: rig.port, "GET", "/imports/\(importId)", key: rig.reader)
            if read?.status == 200 { break }
            #expect(read?.status == 404, "\(read?.summary ?? "")")
            usleep(50_000)
        }
        #expect(read?.status == 200, "once the paused replica is more than 0.2 s behind, the primary serves: \(read?.summary ?? "")")
        #expect(try rig.metric(#"db_replica_fallbacks_total{reason="lag"}"#) ?? 0 >= 1)
    }

    /// What a server sees when it reaches a node that does not (or no longer, or not yet) take
    /// writes in a failover: 25006. It is a 503 to retry, not a 500.
    @Test func aWriteThatReachesAStandbyIsA503() throws {
        let rig = try Rig(maxLag: 1)
        // Its schema is checked on the primary (the direct URL); its pool reaches the standby.
        let primaryURL = rig.primary.url
        let onStandby = try TestEnvironment.startApplication(databaseURL: rig.standby.url) {
            $0.databaseDirectURL = primaryURL
            $0.migrateOnStart = false
        }
        defer { onStandby.stop() }
        var readiness = try httpRequest(port: onStandby.port, "GET", "/readyz")
        for _ in 0..<100 where readiness.status != 200 {
            usleep(50_000)
            readiness = try httpRequest(port: onStandby.port, "GET", "/readyz")
        }
        #expect(readiness.status == 200, "\(readiness.summary)")
        let write = try httpRequest(port: onStandby.port, "POST", "/airports",
                                    json: #"{"name": "Standby Field", "city": "Rig", "country": "S", "latitude": 1.5, "longitude": 2.5}"#)
        #expect(write.status == 503, "\(write.summary)")
        #expect(write.header("Retry-After") != nil)
    }

    @Test func aMalformedTokenIsTheClientsMistake() throws {
        let rig = try Rig(maxLag: 1)
        let read = try httpRequest(port: rig.port, "GET", "/imports", headers: [(ConsistencyToken.header, "yesterday")], key: rig.reader)
        #expect(read.status == 400, "\(read.summary)")
        #expect(read.text.contains(ConsistencyToken.header), "\(read.summary)")
    }

    @Test func tokensAreLogPositions() {
        #expect(ConsistencyToken("0/16B3748")?.position == 0x16B3748)
        #expect(ConsistencyToken("16/B374D848")?.description == "16/B374D848")
        #expect(ConsistencyToken("1/0").map { $0 > ConsistencyToken(position: 0xFFFF_FFFF) } == true)
        #expect(ConsistencyToken.unknown.description == "FFFFFFFF/FFFFFFFF")
        #expect(ConsistencyToken(ConsistencyToken.unknown.description) == .unknown)
        for bad in ["", "0", "/1", "1/", "0/123456789", "g/1", "1/2/3"] {
            #expect(ConsistencyToken(bad) == nil, "\(bad)")
        }
    }

    @Test func aReadURLWithSeveralHostsIsOneReplicaEach() {
        let urls = ConnectionString.oneForEachHost("host=db2,db3 port=6432 user=insikt dbname=insikt connect_timeout=2")
        #expect(urls?.count == 2)
        #expect(urls?.first?.contains("host='db2'") == true && urls?.first?.contains("port='6432'") == true, "\(urls ?? [])")
        #expect(urls?.last?.contains("host='db3'") == true && urls?.last?.contains("connect_timeout='2'") == true, "\(urls ?? [])")
        let uri = ConnectionString.oneForEachHost("postgresql://db2:5432,db3:5433/insikt?application_name=it's")
        #expect(uri?.last?.contains("port='5433'") == true && uri?.last?.contains(#"application_name='it\'s'"#) == true, "\(uri ?? [])")
    }
}
