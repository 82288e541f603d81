import Foundation
import Glibc
import Synchronization

/// A webhook receiver that is no use, on a free 127.0.0.1 port and a thread of its own: `.hang`
/// accepts every connection and never answers (it holds them until `stop`), `.reset` accepts and
/// resets each connection at once.
public final class DeadReceiver: Sendable {
    public enum Behaviour: Sendable {
        case hang
        case reset
    }

    public let port: UInt16
    private let listener: Int32
    private let behaviour: Behaviour
    private let stopped = Atomic<Bool>(false)
    private let accepted = Atomic<Int>(0)
    private let done = DispatchSemaphore(value: 0)

    public init(_ behaviour: Behaviour) throws {
        self.behaviour = behaviour
        (listener, port) = try LoopbackListener.open(backlog: 1024, what: "the dead receiver")
        let thread = Thread { [self] in
            acceptLoop()
            done.signal()
        }
        thread.name = "dead-receiver"
        thread.start()
    }

    /// `http://127.0.0.1:<port><path>`
    public func url(_ path: String = "/hook") -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Connections accepted so far.
    public var connections: Int { accepted.load(ordering: .relaxed) }

    public func stop() {
        stopped.store(true, ordering: .relaxed)
        _ = done.wait(timeout: .now() + 2)
        Glibc.close(listener)
    }

    private func acceptLoop() {
        var held: [Int32] = []
        defer { for fd in held { Glibc.close(fd) } }
        while !stopped.load(ordering: .relaxed) {
            var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) > 0 else { continue }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            accepted.add(1, ordering: .relaxed)
            switch behaviour {
            case .hang:
                held.append(client)
            case .reset:
                // Linger 0: close sends a reset instead of a FIN.
                var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
                setsockopt(client, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
                Glibc.close(client)
            }
        }
    }
}
