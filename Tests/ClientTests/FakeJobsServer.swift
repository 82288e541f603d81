import Client
import Foundation
import Glibc
import JSON
import TestSupport

/// scripts/check-client-progress.d/fake_jobs_server.py on a free port, for as long as the test
/// holds it: the jobs API of jobs.md, each GET moving a job one step.
final class FakeJobsServer {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let key = "fake-key"
    let port: UInt16
    private let pid: pid_t

    var baseURL: String { "http://127.0.0.1:\(port)" }

    init() throws {
        port = freePort()
        let script = FakeJobsServer.root + "/scripts/check-client-progress.d/fake_jobs_server.py"
        guard let pid = spawnChild(["python3", script, "--port", String(port), "--key", FakeJobsServer.key, "--rows-per-step", "1000"],
                                   environment: ProcessInfo.processInfo.environment) else {
            throw FakeServerError.didNotStart("python3 could not be started")
        }
        self.pid = pid
        for _ in 0..<200 {
            if (try? requestLog()) != nil { return }
            usleep(50_000)
        }
        kill(pid, SIGTERM)
        _ = waitForExit(pid)
        throw FakeServerError.didNotStart("nothing listens on port \(port) after 10 s")
    }

    deinit {
        kill(pid, SIGTERM)
        _ = waitForExit(pid)
    }

    /// The requests so far, one "METHOD path" each.
    func requestLog() throws -> [String] {
        let answer = try HTTPSession().send("GET", baseURL + "/_fake/log", headers: [], shouldStop: { false })
        guard answer.status == 200, case let .array(entries)? = try JSONParser().parse(answer.body)["data"] else {
            throw FakeServerError.didNotStart("the log answered \(answer.status)")
        }
        return entries.compactMap(\.stringValue)
    }
}

enum FakeServerError: Error {
    case didNotStart(String)
}

/// A file of its own for one test.
func temporaryFile(_ name: String, _ contents: String) throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("insikt-client-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let path = directory.appendingPathComponent(name).path
    try contents.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// `{"citizens": [...]}` with `count` citizens; those in `unnamed` get an empty name.
func citizensImport(_ count: Int, unnamed: Set<Int> = []) -> String {
    let citizens = (0..<count).map { index in
        #"{"citizen_id":\#(index + 1),"town":"Керчь","street":"Иосифа Бродского","building":"2","apartment":11,"name":"\#(unnamed.contains(index) ? "" : "Романова Мария")","birth_date":"23.11.1986","gender":"female","relatives":[]}"#
    }
    return #"{"citizens":["# + citizens.joined(separator: ",") + "]}"
}
