import Glibc
import Testing

/// The real `insikt serve` binary in a process of its own, for tests that kill or restart servers.
public enum ServerProcess {
    public static let binary = TestEnvironment.packageRoot + "/.build/debug/insikt"

    /// Starts `insikt serve` on `port` against `databaseURL` with `arguments` and `environment`
    /// added, and waits until it is ready; its pid. `name` goes into the log file's name.
    public static func start(_ name: String, databaseURL: String, port: UInt16, arguments: [String] = [],
                             environment: [String: String] = [:]) throws -> pid_t {
        let log = "/tmp/insikt-\(name)-serve-\(port)-\(UInt32.random(in: 0...UInt32.max)).log"
        let pid = try #require(spawnInBackground(binary,
                                                 ["serve", "--port", String(port), "--host", "127.0.0.1",
                                                  "--migrations-directory", TestEnvironment.packageRoot + "/migrations"] + arguments,
                                                 stderrPath: log,
                                                 environment: ["DATABASE_URL": databaseURL, "PATH": "/usr/bin:/bin",
                                                               "ADMIN_KEY": TestEnvironment.adminKey, "ACCESS_LOG": "off"]
                                                     .merging(environment) { $1 }))
        for _ in 0..<150 {
            if let r = try? httpRequest(port: port, "GET", "/readyz"), r.status == 200 { return pid }
            usleep(100_000)
        }
        kill(pid, SIGKILL)
        _ = waitForExit(pid)
        throw RawConnection.Failure(description: "the server did not start: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
    }
}
