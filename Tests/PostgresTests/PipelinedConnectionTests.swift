import Foundation
import Glibc
import Postgres
import Testing
import TestSupport

/// Drives a `PipelinedConnection` the way an event loop does: wait for its socket or for the
/// wake-up it asked for, tell it when the socket is ready, flush at the end of every turn. A turn
/// with neither a socket nor a wake-up to wait for would never end, so it is reported as a stall.
final class PollingOwner: PostgresSocketWatcher {
    var fd: Int32 = -1
    var writable = false
    var wakeAt: Double?
    var connection: PipelinedConnection!

    init(url: String, maxAttempts: Int = 3, retryBaseDelay: Double = 0.01, statements: StatementMode = .prepared) {
        connection = PipelinedConnection(url: url, watcher: self, connectTimeout: 2, maxAttempts: maxAttempts,
                                         retryBaseDelay: retryBaseDelay, statements: statements)
    }

    func watch(_ fd: Int32, writable: Bool) {
        self.fd = fd
        self.writable = writable
    }

    func unwatch(_ fd: Int32) {
        if self.fd == fd { self.fd = -1 }
    }

    func wakeUp(at deadline: Double) {
        wakeAt = min(wakeAt ?? deadline, deadline)
    }

    /// Turns until `done` holds, at most `seconds`.
    func turn(until done: () -> Bool, seconds: Double = 10) {
        let deadline = Date().addingTimeInterval(seconds)
        connection.flush()
        while !done() && Date() < deadline {
            var clock = timespec()
            clock_gettime(CLOCK_MONOTONIC, &clock)
            let now = Double(clock.tv_sec) + Double(clock.tv_nsec) / 1e9
            let wait = wakeAt.map { Int32(max(0, ($0 - now) * 1000 + 1)) }
            wakeAt = nil
            if fd >= 0 {
                var entry = pollfd(fd: fd, events: Int16(POLLIN) | (writable ? Int16(POLLOUT) : 0), revents: 0)
                if poll(&entry, 1, min(wait ?? 1000, 1000)) > 0 { connection.socketReady() }
            } else if let wait {
                usleep(UInt32(wait) * 1000)
            } else {
                Issue.record("stalled: no socket to wait for and no wake-up asked for")
                return
            }
            connection.flush()
        }
    }
}

@Suite struct PipelinedConnectionTests {
    @Test func manyQueriesInOneTurnAreAnsweredInOrderWithTheirOwnValues() throws {
        let owner = PollingOwner(url: TestEnvironment.databaseURL)
        let nasty = "'; DROP TABLE airports; -- \"q\" åäö"
        var answers: [Int: String] = [:]
        var order: [Int] = []
        for i in 0..<300 {
            owner.connection.query("SELECT $1::bigint * 2, $2::text", [Int64(i), nasty]) { outcome in
                let result = try? outcome.get()
                answers[i] = "\(result?.int(0, 0) ?? -1) \(result?.string(0, 1) ?? "-")"
                order.append(i)
            }
        }
        #expect(answers.isEmpty, "no answer comes from inside query()")
        owner.turn(until: { answers.count == 300 })
        #expect(order == Array(0..<300))
        #expect((0..<300).allSatisfy { answers[$0] == "\($0 * 2) \(nasty)" })
    }

    @Test func aFailingQueryFailsAloneAndTheOthersOfItsBatchStillRun() throws {
        let owner = PollingOwner(url: TestEnvironment.databaseURL)
        var outcomes: [Int: Result<Int64, PostgresError>] = [:]
        for (i, divisor) in [1, 2, 0, 4, 5].enumerated() {
            owner.connection.query("SELECT 100 / $1::int", [Int64(divisor)]) { outcome in
                outcomes[i] = outcome.map { $0.int(0, 0)! }
            }
        }
        owner.turn(until: { outcomes.count == 5 })
        #expect(try outcomes[0]?.get() == 100)
        #expect(try outcomes[1]?.get() == 50)
        #expect(try outcomes[3]?.get() == 25)
        #expect(try outcomes[4]?.get() == 20)
        guard case let .failure(error)? = outcomes[2] else {
            Issue.record("the division by zero succeeded")
            return
        }
        #expect(error.sqlState == "22012")
        #expect(error.kind == .server)
    }

    @Test(arguments: [StatementMode.prepared, .unnamed])
    func aStatementThatDoesNotParseFailsWithItsOwnErrorAndTheOthersStillRun(_ statements: StatementMode) throws {
        let owner = PollingOwner(url: TestEnvironment.databaseURL, statements: statements)
        var outcomes: [Int: Result<Int64, PostgresError>] = [:]
        for (i, sql) in ["SELECT $1::bigint", "SELECT $1::bigint", "SELEC $1::bigint", "SELECT $1::bigint"].enumerated() {
            owner.connection.query(sql, [Int64(i)]) { outcome in outcomes[i] = outcome.map { $0.int(0, 0) ?? -1 } }
        }
        owner.turn(until: { outcomes.count == 4 })
        for i in [0, 1, 3] { #expect(try outcomes[i]?.get() == Int64(i), "\(String(describing: outcomes[i]))") }
        guard case let .failure(error)? = outcomes[2] else {
            Issue.record("the misspelt statement ran: \(String(describing: outcomes[2]))")
            return
        }
        #expect(error.sqlState == "42601", "\(error)")
    }

    @Test func aLostConnectionIsReplacedAndTheQueryInFlightRunsAgain() throws {
        let owner = PollingOwner(url: TestEnvironment.databaseURL)
        var first: Int64?
        owner.connection.query("SELECT pg_backend_pid()", []) { first = try? $0.get().int(0, 0) }
        owner.turn(until: { first != nil })
        let backend = try #require(first)

        let killer = try PostgresConnection(url: TestEnvironment.databaseURL)
        try killer.query("SELECT pg_terminate_backend($1::int)", [backend])
        // Until the backend has gone (a query sent before could still be answered by it).
        let deadline = Date().addingTimeInterval(10)
        while try killer.query("SELECT count(*) AS alive FROM pg_stat_activity WHERE pid = $1::int", [backend]).row(0).int("alive") != 0 {
            guard Date() < deadline else { Issue.record("backend \(backend) still runs 10 s after pg_terminate_backend"); break }
            usleep(10_000)
        }

        var second: Result<PostgresResult, PostgresError>?
        owner.connection.query("SELECT pg_backend_pid()", []) { second = $0 }
        owner.turn(until: { second != nil })
        let pid = try #require(try second?.get().int(0, 0))
        #expect(pid != backend)
    }

    @Test func anUnreachableServerFailsTheQueriesQuicklyAndNeverFromInsideQuery() throws {
        let owner = PollingOwner(url: "host=/nonexistent/insikt-socket-dir user=insikt dbname=insikt")
        var failures: [PostgresError] = []
        for _ in 0..<3 {
            owner.connection.query("SELECT 1", []) { outcome in
                if case let .failure(error) = outcome { failures.append(error) }
            }
        }
        #expect(failures.isEmpty)
        owner.turn(until: { failures.count == 3 }, seconds: 5)
        #expect(failures.count == 3)
        #expect(failures.allSatisfy { $0.kind == .connection && $0.isUnavailable })
    }

    /// A restart shorter than the retries' back-offs is not seen by the caller.
    @Test func aQueryWaitsOutARestartWithinItsRetries() throws {
        let cluster = try PrivateCluster()
        let owner = PollingOwner(url: cluster.url, maxAttempts: 12, retryBaseDelay: 0.05)
        var before: Int64?
        owner.connection.query("SELECT 1", []) { before = try? $0.get().int(0, 0) }
        owner.turn(until: { before != nil })
        #expect(before == 1)

        try cluster.crash()
        var answer: Result<PostgresResult, PostgresError>?
        owner.connection.query("SELECT 2", []) { answer = $0 }
        let restarted = Thread { try? cluster.start() }
        restarted.start()
        owner.turn(until: { answer != nil }, seconds: 60)
        #expect(try answer?.get().int(0, 0) == 2)
    }

    /// A first host that takes the TCP connection and then never answers (a machine gone dark
    /// behind a live address): the attempt times out, and the next one starts at the second host.
    @Test func aFirstHostThatNeverAnswersIsSkippedByTheNextAttempt() throws {
        let silent = try SilentListener()
        let given = TestEnvironment.databaseURL.split(separator: " ").map(String.init)
        guard let host = given.first(where: { $0.hasPrefix("host=") })?.dropFirst(5) else {
            Issue.record("DATABASE_URL is not a conninfo string with host=: \(TestEnvironment.databaseURL)")
            return
        }
        let port = try PostgresConnection(url: TestEnvironment.databaseURL).query("SHOW port").string(0, 0) ?? "5432"
        let rest = given.filter { !$0.hasPrefix("host=") && !$0.hasPrefix("port=") }.joined(separator: " ")
        let owner = PollingOwner(url: "host=127.0.0.1,\(host) port=\(silent.port),\(port) \(rest)", maxAttempts: 2)
        var answer: Result<PostgresResult, PostgresError>?
        owner.connection.query("SELECT 7", []) { answer = $0 }
        owner.turn(until: { answer != nil }, seconds: 15)
        #expect(try answer?.get().int(0, 0) == 7, "\(String(describing: answer))")
    }
}

/// A TCP port on 127.0.0.1 whose connections the kernel accepts but nobody ever reads or answers.
final class SilentListener {
    let fd: Int32
    let port: Int

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard descriptor >= 0, bound, listen(descriptor, 16) == 0 else {
            close(descriptor)
            throw PostgresError(kind: .connection, message: "the silent listener could not listen: errno \(errno)")
        }
        fd = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(fd) }
}

