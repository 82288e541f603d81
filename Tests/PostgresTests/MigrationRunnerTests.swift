import Foundation
import Locks
import Postgres
import Testing
import TestSupport

@Suite struct MigrationRunnerTests {
    /// A folder of migration files for one test.
    func folder(_ files: [String: String]) throws -> String {
        let path = "/tmp/insikt-migrations-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for (name, sql) in files { try sql.write(toFile: path + "/" + name, atomically: true, encoding: .utf8) }
        return path
    }

    let standard = [
        "0001_create_a.sql": "CREATE TABLE a (id int PRIMARY KEY);",
        "0001_create_a.down.sql": "DROP TABLE a;",
        "0002_create_b.sql": "CREATE TABLE b (id int PRIMARY KEY); INSERT INTO b VALUES (1), (2);",
        "0002_create_b.down.sql": "DROP TABLE b;",
    ]

    func tables(_ url: String) throws -> [String] {
        let c = try PostgresConnection(url: url)
        let r = try c.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations' ORDER BY 1")
        return (0..<r.rowCount).map { r.string($0, 0)! }
    }

    @Test func upDownAndUpAgain() throws {
        let url = try TestEnvironment.createDatabase()
        let runner = MigrationRunner(directory: try folder(standard), url: url)
        #expect(try runner.status().map(\.applied) == [false, false])
        #expect(try runner.up() == [1, 2])
        #expect(try tables(url) == ["a", "b"])
        #expect(try runner.up() == [])
        #expect(try runner.down() == [2])
        #expect(try tables(url) == ["a"])
        #expect(try runner.down(to: 0) == [1])
        #expect(try tables(url) == [])
        #expect(try runner.up(to: 1) == [1])
        #expect(try runner.status().map(\.applied) == [true, false])
        #expect(try runner.up() == [2])
        #expect(try runner.isUpToDate())
    }

    @Test func aChangedAppliedFileIsRefusedByName() throws {
        let url = try TestEnvironment.createDatabase()
        let directory = try folder(standard)
        try MigrationRunner(directory: directory, url: url).up()
        try "CREATE TABLE b (id bigint PRIMARY KEY);".write(toFile: directory + "/0002_create_b.sql", atomically: true, encoding: .utf8)
        let error = #expect(throws: MigrationRunner.Failure.self) { try MigrationRunner(directory: directory, url: url).up() }
        #expect(error?.description.contains("0002_create_b.sql") == true)
        #expect(error?.description.contains("changed") == true)
    }

    @Test func aMissingAppliedFileOrAGapIsRefused() throws {
        let url = try TestEnvironment.createDatabase()
        let directory = try folder(standard)
        try MigrationRunner(directory: directory, url: url).up()
        try FileManager.default.removeItem(atPath: directory + "/0002_create_b.sql")
        try FileManager.default.removeItem(atPath: directory + "/0002_create_b.down.sql")
        let missing = #expect(throws: MigrationRunner.Failure.self) { try MigrationRunner(directory: directory, url: url).up() }
        #expect(missing?.description.contains("0002_create_b.sql") == true)

        let gap = try folder(["0001_a.sql": "SELECT 1;", "0003_c.sql": "SELECT 1;"])
        let error = #expect(throws: MigrationRunner.Failure.self) { try MigrationRunner(directory: gap, url: url).load() }
        #expect(error?.description.contains("0003_c.sql") == true)
    }

    @Test func aFailingMigrationLeavesNothingBehind() throws {
        let url = try TestEnvironment.createDatabase()
        let directory = try folder(["0001_ok.sql": "CREATE TABLE ok (id int);",
                                    "0002_broken.sql": "CREATE TABLE half (id int); SELECT * FROM no_such_table;"])
        #expect(throws: MigrationRunner.Failure.self) { try MigrationRunner(directory: directory, url: url).up() }
        #expect(try tables(url) == ["ok"])
        #expect(try MigrationRunner(directory: directory, url: url).status().map(\.applied) == [true, false])
    }

    @Test func twoRunnersAtOnceApplyEachMigrationOnce() throws {
        let url = try TestEnvironment.createDatabase()
        let directory = try folder([
            "0001_slow.sql": "SELECT pg_sleep(0.5); CREATE TABLE counter (n int); INSERT INTO counter VALUES (1);",
            "0002_more.sql": "UPDATE counter SET n = n + 1;",
        ])
        let results = ResultBox()
        let threads = (0..<2).map { _ in
            Thread {
                do { results.add(try MigrationRunner(directory: directory, url: url).up()) } catch { results.fail(error) }
            }
        }
        threads.forEach { $0.start() }
        while results.count < 2 { usleep(10_000) }
        #expect(results.errors.isEmpty)
        #expect(results.applied.sorted { $0.count < $1.count } == [[], [1, 2]])
        let c = try PostgresConnection(url: url)
        #expect(try c.query("SELECT n FROM counter").int(0, 0) == 2)
        #expect(try c.query("SELECT count(*) FROM schema_migrations").int(0, 0) == 2)
    }

    @Test func theProductMigrationsGoUpDownAndUp() throws {
        let url = try TestEnvironment.createDatabase()
        let runner = MigrationRunner(directory: TestEnvironment.packageRoot + "/migrations", url: url)
        let count = try runner.load().count
        #expect(try runner.up().count == count)
        #expect(try runner.down(to: 0).count == count)
        #expect(try runner.up().count == count)
    }
}

final class ResultBox: Sendable {
    private let results = Monitor<(applied: [[Int]], errors: [Error])>(([], []))
    var applied: [[Int]] { results.withLock { $0.applied } }
    var errors: [Error] { results.withLock { $0.errors } }
    var count: Int { results.withLock { $0.applied.count + $0.errors.count } }
    func add(_ value: [Int]) { results.withLock { $0.applied.append(value) } }
    func fail(_ error: Error) { results.withLock { $0.errors.append(error) } }

    @Test func aMissingDirectoryIsNamedInTheError() throws {
        let runner = MigrationRunner(directory: "/nonexistent/insikt-migrations", url: TestEnvironment.databaseURL)
        do {
            _ = try runner.load()
            Issue.record("a missing directory loaded")
        } catch {
            #expect("\(error)".contains("/nonexistent/insikt-migrations"))
            #expect("\(error)".contains("--migrations-directory"))
        }
    }
}
