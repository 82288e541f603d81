import Foundation
import Postgres
import Testing
import TestSupport

/// Both kinds of connection through a real PgBouncer 1.18 in transaction mode, where each
/// transaction may get another server connection: unnamed statements only.
@Suite struct PgBouncerPoolerTests {
    @Test func thePoolRunsTheSameStatementsAgainAndAgainAcrossServerConnections() throws {
        let bouncer = try PgBouncer(poolSize: 2)
        var configuration = PostgresPool.Configuration(url: bouncer.url)
        configuration.size = 6
        configuration.statements = .unnamed
        let pool = PostgresPool(configuration)
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 6) { worker in
            for i in 0..<40 {
                do {
                    let sum = try pool.transaction { connection -> Int64? in
                        let first = try connection.query("SELECT $1::bigint + $2::bigint", [Int64(worker), Int64(i)])
                        let again = try connection.query("SELECT $1::bigint + $2::bigint", [first.int(0, 0), Int64(1)])
                        return again.int(0, 0)
                    }
                    if sum != Int64(worker + i + 1) { failures.add("worker \(worker) try \(i): \(String(describing: sum))") }
                } catch {
                    failures.add("worker \(worker) try \(i): \(error)")
                }
            }
        }
        #expect(failures.all.isEmpty, "\(failures.all.prefix(5))")
    }

    @Test func pipelinedQueriesInManyBatchesGetTheirOwnAnswers() throws {
        let bouncer = try PgBouncer(poolSize: 2)
        let owner = PollingOwner(url: bouncer.url, statements: .unnamed)
        var answers: [Int: String] = [:]
        // Several turns, so batches follow each other while earlier ones are still in flight.
        for batch in 0..<10 {
            for i in batch * 30..<(batch + 1) * 30 {
                owner.connection.query("SELECT $1::bigint * 2, $2::text", [Int64(i), "n\(i)"]) { outcome in
                    switch outcome {
                    case let .success(result): answers[i] = "\(result.int(0, 0) ?? -1) \(result.string(0, 1) ?? "-")"
                    case let .failure(error): answers[i] = "\(error)"
                    }
                }
            }
            owner.turn(until: { answers.count >= batch * 15 }, seconds: 10)
        }
        owner.turn(until: { answers.count == 300 })
        let wrong = (0..<300).filter { answers[$0] != "\($0 * 2) n\($0)" }
        #expect(wrong.isEmpty, "\(wrong.prefix(5).map { "\($0): \(answers[$0] ?? "no answer")" })")
    }

    /// PgBouncer 1.18 gives the server connection back at the first ReadyForQuery, so a batch
    /// asked for while another is in flight waits for it (under wrk, batches sent at once lost
    /// their answers and later answers were taken for theirs). Two connections (two event loops)
    /// ask for a batch each turn without waiting for the earlier ones.
    @Test func batchesSentTurnAfterTurnGetTheirOwnAnswers() throws {
        let bouncer = try PgBouncer(poolSize: 2)
        let owners = [PollingOwner(url: bouncer.url, statements: .unnamed), PollingOwner(url: bouncer.url, statements: .unnamed)]
        var answers: [Int: String] = [:]
        var asked = 0
        let deadline = Date().addingTimeInterval(20)
        for turn in 0..<600 where Date() < deadline {
            let owner = owners[turn % 2]
            for _ in 0..<(1 + turn % 31) {
                let i = asked
                asked += 1
                owner.connection.query("SELECT $1::bigint, repeat('x', 1000)", [Int64(i)]) { outcome in
                    switch outcome {
                    case let .success(result): answers[i] = "\(result.int(0, 0) ?? -1)"
                    case let .failure(error): answers[i] = "\(error)"
                    }
                }
            }
            // Some answers still to come: batches stay in flight as the next ones leave.
            owner.turn(until: { answers.count + 40 >= asked }, seconds: 0.2)
        }
        for owner in owners { owner.turn(until: { answers.count == asked }, seconds: 3) }
        let wrong = (0..<asked).filter { answers[$0] != "\($0)" }
        #expect(wrong.isEmpty, "\(wrong.count) of \(asked): \(wrong.prefix(5).map { "\($0): \(answers[$0] ?? "no answer")" })")
    }
}
