import CLibPQ
import Glibc

extension PostgresConnection {
    /// Waits up to `timeout` seconds for notifications on the channels this connection LISTENs
    /// to and returns their payloads (empty when none came). Throws when the connection is lost.
    public func notifications(timeout: Double) throws -> [(channel: String, payload: String)] {
        let connection = try live()
        var received = drainNotifications(connection)
        guard received.isEmpty else { return received }
        var poller = pollfd(fd: PQsocket(connection), events: Int16(POLLIN), revents: 0)
        let ready = poll(&poller, 1, Int32(timeout * 1000))
        if ready < 0 && errno != EINTR { throw PostgresError(kind: .connection, message: "poll failed: errno \(errno)") }
        if ready > 0 {
            guard PQconsumeInput(connection) == 1 else { throw connectionError() }
            received = drainNotifications(connection)
        }
        return received
    }

    private func drainNotifications(_ connection: OpaquePointer) -> [(channel: String, payload: String)] {
        var received: [(channel: String, payload: String)] = []
        while let notice = PQnotifies(connection) {
            received.append((String(cString: notice.pointee.relname), String(cString: notice.pointee.extra)))
            PQfreemem(notice)
        }
        return received
    }
}
