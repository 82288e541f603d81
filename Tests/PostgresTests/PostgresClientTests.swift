import Foundation
import Postgres
import Testing
import TestSupport

@Suite struct PostgresClientTests {
    func pool(_ configure: (inout PostgresPool.Configuration) -> Void = { _ in }) -> PostgresPool {
        var configuration = PostgresPool.Configuration(url: TestEnvironment.databaseURL)
        configuration.size = 4
        configuration.retryBaseDelay = 0.001
        configure(&configuration)
        return PostgresPool(configuration)
    }

    @Test func parametersAreTypedAndValuesCarryingSQLAreStoredVerbatim() throws {
        let pool = pool()
        let nasty = "'; DROP TABLE citizens; -- \"quoted\" \\ back\\slash åäö 🙂"
        let result = try pool.withConnection { c in
            try c.query("SELECT $1::text, $2::bigint, $3::float8, $4::bool, $5::text IS NULL",
                        [nasty, Int64.max, 5.75, true, String?.none])
        }
        #expect(result.string(0, 0) == nasty)
        #expect(result.int(0, 1) == Int64.max)
        #expect(result.double(0, 2) == 5.75)
        #expect(result.bool(0, 3) == true)
        #expect(result.bool(0, 4) == true)
        let array = try pool.withConnection { try $0.query("SELECT ($1::text[])[2]", [PostgresArray([nasty, "a\"b{c}"])]) }
        #expect(array.string(0, 0) == "a\"b{c}")
    }

    @Test func aTransientFailureIsRetriedAndAPermanentOneIsNot() throws {
        let pool = pool { $0.maxAttempts = 4 }
        var attempts = 0
        let value: Int = try pool.transaction { c in
            attempts += 1
            if attempts < 3 {
                try c.execute("DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$")
            }
            return attempts
        }
        #expect(value == 3)

        var deadlocks = 0
        #expect(throws: PostgresError.self) {
            try pool.transaction { c in
                deadlocks += 1
                try c.execute("DO $$ BEGIN RAISE EXCEPTION 'deadlock' USING ERRCODE = '40P01'; END $$")
            }
        }
        #expect(deadlocks == 4)

        var permanent = 0
        let error = #expect(throws: PostgresError.self) {
            try pool.transaction { c in
                permanent += 1
                try c.execute("DO $$ BEGIN RAISE EXCEPTION 'duplicate' USING ERRCODE = '23505'; END $$")
            }
        }
        #expect(permanent == 1)
        #expect(error?.sqlState == "23505")
    }

    @Test func aFailedTransactionChangesNothing() throws {
        let pool = pool()
        let table = "t_\(UInt32.random(in: 0...UInt32.max))"
        try pool.withConnection { try $0.execute("CREATE TABLE \(table) (n int)") }
        #expect(throws: PostgresError.self) {
            try pool.transaction { c in
                try c.query("INSERT INTO \(table) VALUES ($1)", [1])
                try c.query("INSERT INTO \(table) VALUES ($1)", ["not a number"])
            }
        }
        #expect(try pool.withConnection { try $0.query("SELECT count(*) FROM \(table)").int(0, 0) } == 0)
    }

    @Test func copyLoadsAMillionRows() throws {
        let pool = pool()
        let table = "copy_\(UInt32.random(in: 0...UInt32.max))"
        let rows = try pool.transaction { c -> Int in
            try c.execute("CREATE TABLE \(table) (id bigint, name text)")
            return try c.copyIn("COPY \(table) (id, name) FROM STDIN") { writer in
                var line: [UInt8] = []
                for i in 0..<1_000_000 {
                    line.removeAll(keepingCapacity: true)
                    line.append(contentsOf: String(i).utf8)
                    line.append(0x09)
                    line.append(contentsOf: "name-\(i)".utf8)
                    line.append(0x0A)
                    try writer.write(line)
                }
            }
        }
        #expect(rows == 1_000_000)
        let check = try pool.withConnection { try $0.query("SELECT count(*), sum(id) FROM \(table)") }
        #expect(check.int(0, 0) == 1_000_000)
        #expect(check.string(0, 1) == "499999500000")
    }

    @Test func aBadCopyStoresNothing() throws {
        let pool = pool()
        let table = "copybad_\(UInt32.random(in: 0...UInt32.max))"
        try pool.withConnection { try $0.execute("CREATE TABLE \(table) (id bigint)") }
        #expect(throws: PostgresError.self) {
            try pool.transaction { c in
                try c.copyIn("COPY \(table) (id) FROM STDIN") { try $0.write("1\n2\nthree\n") }
            }
        }
        #expect(try pool.withConnection { try $0.query("SELECT count(*) FROM \(table)").int(0, 0) } == 0)
    }

    @Test func thePoolWaitIsBounded() throws {
        let pool = pool { $0.size = 1; $0.acquireTimeout = 0.2; $0.maxAttempts = 1 }
        try pool.withConnection { _ in
            let started = Date()
            let error = #expect(throws: PostgresError.self) { try pool.withConnection { _ in } }
            #expect(error?.kind == .poolTimeout)
            #expect(Date().timeIntervalSince(started) < 2)
        }
    }

    @Test func theConnectionRecoversAfterTheServerRestarts() throws {
        let cluster = try PrivateCluster()
        var configuration = PostgresPool.Configuration(url: cluster.url)
        configuration.size = 2
        configuration.maxAttempts = 1
        let pool = PostgresPool(configuration)
        #expect(try pool.withConnection { try $0.query("SELECT 1").int(0, 0) } == 1)
        try cluster.crash()
        let error = #expect(throws: PostgresError.self) { try pool.withConnection { try $0.query("SELECT 1") } }
        #expect(error?.isUnavailable == true)
        try cluster.start()
        #expect(try pool.withConnection { try $0.query("SELECT 1").int(0, 0) } == 1)
    }
}
