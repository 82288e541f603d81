import Foundation

/// A throwaway PostgreSQL cluster of a test's own, so it can be stopped and started without
/// disturbing the other tests. Needs INSIKT_PG_BIN and INSIKT_PG_USER (set by scripts/test).
public final class PrivateCluster: Sendable {
    public let directory: String
    public let url: String
    private let bin: String
    private let user: String?

    /// A new cluster; with `primary`, a streaming replica of it (`pg_basebackup -R`, hot standby).
    public init(standbyOf primary: PrivateCluster? = nil) throws {
        let environment = ProcessInfo.processInfo.environment
        bin = environment["INSIKT_PG_BIN"] ?? "/usr/lib/postgresql/15/bin"
        user = getuid() == 0 ? (environment["INSIKT_PG_USER"] ?? "insikt") : nil
        directory = "/tmp/insikt-cluster-\(UInt32.random(in: 0...UInt32.max))"
        url = "host=\(directory)/run user=insikt dbname=postgres"
        try FileManager.default.createDirectory(atPath: directory + "/run", withIntermediateDirectories: true)
        if let user { try run("/bin/chown", ["-R", user, directory], asUser: false) }
        if let primary {
            try run(bin + "/pg_basebackup", ["-h", primary.directory + "/run", "-U", "insikt", "-D", directory + "/data",
                                             "-R", "-X", "stream", "-c", "fast"])
        } else {
            try run(bin + "/initdb", ["-D", directory + "/data", "-U", "insikt", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"])
        }
        try start()
    }

    deinit {
        try? run(bin + "/pg_ctl", ["-D", directory + "/data", "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(atPath: directory)
    }

    public func start() throws {
        try run(bin + "/pg_ctl", ["-D", directory + "/data", "-l", directory + "/server.log", "-w", "-o",
                                  "-c listen_addresses='' -c unix_socket_directories='\(directory)/run' -c fsync=off", "start"])
    }

    /// `pg_ctl stop -m immediate`: the server dies as in a crash.
    public func crash() throws {
        try run(bin + "/pg_ctl", ["-D", directory + "/data", "-m", "immediate", "-w", "stop"])
    }

    private func run(_ program: String, _ arguments: [String], asUser: Bool = true) throws {
        let status = asUser && user != nil
            ? spawnAndWait("/usr/sbin/runuser", ["-u", user!, "--", program] + arguments)
            : spawnAndWait(program, arguments)
        guard status == 0 else {
            throw RawConnection.Failure(description: "\(program) \(arguments) exited \(status)")
        }
    }
}
