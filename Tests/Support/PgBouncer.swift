import Foundation
import Glibc

/// A PgBouncer of a test's own in transaction pooling mode, on a free port on 127.0.0.1, in front
/// of the test PostgreSQL (whose Unix socket directory it takes from DATABASE_URL's `host=`).
/// PgBouncer refuses to run as root: it runs as INSIKT_PG_USER then, like PostgreSQL.
public final class PgBouncer {
    public let port: UInt16
    public let directory: String
    private var pid: pid_t?

    public init(poolSize: Int = 10) throws {
        let environment = ProcessInfo.processInfo.environment
        let program = "/usr/sbin/pgbouncer"
        guard FileManager.default.isExecutableFile(atPath: program) else {
            throw RawConnection.Failure(description: "no \(program): install Debian's pgbouncer package (scripts/test does)")
        }
        let socketDirectory = try PgBouncer.socketDirectory(of: TestEnvironment.databaseURL)
        port = freePort()
        directory = "/tmp/insikt-pgbouncer-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let configuration = """
            [databases]
            * = host=\(socketDirectory)
            [pgbouncer]
            listen_addr = 127.0.0.1
            listen_port = \(port)
            unix_socket_dir =
            auth_type = trust
            auth_file = \(directory)/users.txt
            pool_mode = transaction
            max_client_conn = 1000
            default_pool_size = \(poolSize)
            server_login_retry = 1
            logfile = \(directory)/pgbouncer.log
            pidfile = \(directory)/pgbouncer.pid

            """
        try configuration.write(toFile: directory + "/pgbouncer.ini", atomically: true, encoding: .utf8)
        try "\"insikt\" \"\"\n".write(toFile: directory + "/users.txt", atomically: true, encoding: .utf8)
        var arguments = [program, directory + "/pgbouncer.ini"]
        if getuid() == 0 {
            let user = environment["INSIKT_PG_USER"] ?? "insikt"
            guard spawnAndWait("/bin/chown", ["-R", user, directory]) == 0 else {
                throw RawConnection.Failure(description: "could not give \(directory) to \(user)")
            }
            arguments = ["-u", user, "--"] + arguments
        }
        pid = spawnInBackground(getuid() == 0 ? "/usr/sbin/runuser" : program, getuid() == 0 ? arguments : Array(arguments.dropFirst()),
                                stderrPath: directory + "/stderr.log", environment: [:])
        guard pid != nil else { throw RawConnection.Failure(description: "could not start pgbouncer") }
        for _ in 0..<100 {
            if (try? RawConnection(port: port)) != nil { return }
            usleep(50_000)
        }
        let log = (try? String(contentsOfFile: directory + "/stderr.log", encoding: .utf8)) ?? ""
        stop()
        throw RawConnection.Failure(description: "pgbouncer did not listen on \(port): \(log)")
    }

    deinit { stop() }

    /// DATABASE_URL's database through this PgBouncer.
    public var url: String {
        let database = PgBouncer.keyword("dbname", in: TestEnvironment.databaseURL) ?? "insikt"
        let user = PgBouncer.keyword("user", in: TestEnvironment.databaseURL) ?? "insikt"
        return "host=127.0.0.1 port=\(port) user=\(user) dbname=\(database)"
    }

    public func stop() {
        guard let pid else { return }
        self.pid = nil
        kill(pid, SIGTERM)
        _ = waitForExit(pid)
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func socketDirectory(of url: String) throws -> String {
        guard let host = keyword("host", in: url), host.hasPrefix("/") else {
            throw RawConnection.Failure(description: "DATABASE_URL must be a conninfo string with host=/socket/dir for the PgBouncer tests: \(url)")
        }
        return host
    }

    static func keyword(_ name: String, in conninfo: String) -> String? {
        conninfo.split(separator: " ").first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
    }
}
