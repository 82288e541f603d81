import Foundation
import Glibc
import Testing
import TestSupport

/// The built `insikt import` / `insikt upload` as a person runs them: options, environment,
/// plain lines with no terminal, exit statuses.
@Suite struct CommandLineTests {
    static let binary = FakeJobsServer.root + "/.build/debug/insikt"

    /// Runs the binary with stdout and stderr into one file; its exit status and that output.
    func insikt(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let outputPath = try temporaryFile("output.txt", "")
        var merged = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("INSIKT_") }
        merged.merge(environment) { $1 }
        guard let pid = spawnChild([CommandLineTests.binary] + arguments, environment: merged, outputPath: outputPath) else {
            throw FakeServerError.didNotStart("cannot run \(CommandLineTests.binary)")
        }
        let status = waitForExit(pid)
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return (status, output)
    }

    @Test func importTakesTheServerAndKeyFromTheEnvironment() throws {
        let server = try FakeJobsServer()
        let file = try temporaryFile("citizens.json", citizensImport(2))
        let run = try insikt(["import", file], environment: ["INSIKT_URL": server.baseURL, "INSIKT_KEY": FakeJobsServer.key])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output == "job 1 queued\njob 1 running\njob 1 succeeded: import 1 stored: 2 citizens — /imports/1\n")
    }

    @Test func optionsWinOverTheEnvironmentAndAFailedUploadExitsOne() throws {
        let server = try FakeJobsServer()
        let file = try temporaryFile("airports.csv", "1,\"Goroka\",x,y,GKA,AYGA,north,145.39\n")
        let run = try insikt(["upload", "--url", server.baseURL, "--key", FakeJobsServer.key, file],
                             environment: ["INSIKT_URL": "http://127.0.0.1:1", "INSIKT_KEY": "wrong"])
        #expect(run.status == 1, "\(run.output)")
        #expect(run.output.hasSuffix("job 1 failed: Bad Request: 1 rows are invalid; nothing was stored.\n  line 1, latitude: must be a number from -90 to 90\n"), "\(run.output)")
    }

    @Test func usageErrorsAndAnUnreachableServerExitTwo() throws {
        let missingFile = try insikt(["import"])
        #expect(missingFile.status == 2, "\(missingFile.output)")
        #expect(missingFile.output.contains("Missing expected argument"))
        let badURL = try insikt(["upload", "--url", "localhost:8080", "x.csv"])
        #expect(badURL.status == 2)
        #expect(badURL.output.contains("must start with http:// or https://"), "\(badURL.output)")
        let file = try temporaryFile("citizens.json", citizensImport(1))
        let unreachable = try insikt(["import", "--url", "http://127.0.0.1:1", "--key", "k", file])
        #expect(unreachable.status == 2)
        #expect(unreachable.output.hasPrefix("cannot reach http://127.0.0.1:1: "), "\(unreachable.output)")
    }
}
