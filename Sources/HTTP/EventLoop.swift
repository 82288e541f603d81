import CLinux
import Foundation
import Glibc
import Locks
import Synchronization

/// One thread, one epoll instance, one listening socket (SO_REUSEPORT) and the connections the
/// kernel hands it. Other threads talk to it only through its mailbox and eventfd.
///
/// Non-blocking handlers may also watch sockets of their own on it (a database connection), run
/// something at the end of every turn, and keep one value per type for the loop's lifetime. All of
/// that is for the loop's own thread only.
// Invariant: everything but `mailbox` (a Monitor) and `thread` (an Atomic) is touched only on the loop's thread.
public final class EventLoop: @unchecked Sendable {
    /// A connection and its current exchange, as a worker carries them back to the loop.
    typealias BoundExchange = LoopBound<(Connection, Exchange)>

    enum Message {
        case response(BoundExchange, Response)
        case streamedResponse(BoundExchange, Response, ResponseStream)
        case resume(BoundExchange)
        case chunk(BoundExchange, [UInt8])
        case streamEnd(BoundExchange, failed: Bool)
        case task(@Sendable () -> Void)
        case shutdown
        case forceClose
    }

    public let index: Int
    let context: ServerContext
    private let epfd: Int32
    private let wakeFD: Int32
    private var listenFD: Int32
    private var connections: [Connection?] = []
    private var watchers: [Int32: (events: UInt32, ready: () -> Void)] = [:]
    private var turnEndActions: [() -> Void] = []
    private var locals: [ObjectIdentifier: AnyObject] = [:]
    private var shutdownActions: [() -> Void] = []
    /// The earliest time a handler asked to be woken at (`wakeUp(at:)`).
    private var wakeAt = Double.infinity
    /// Messages from other threads, and whether the eventfd has been written since the last drain.
    /// `ended` once the loop has stopped: its eventfd is closed then, and its number may be
    /// another file's (a client's socket), so nothing may be written to it any more.
    private let mailbox = Monitor<(messages: [Message], wakePending: Bool, ended: Bool)>(([], false, false))
    private(set) var draining = false
    private var liveConnections = 0
    /// Connections accepted in this turn: no event of the turn's batch is theirs.
    private var acceptedThisTurn: [Int32] = []
    private var lastSweep: Double
    public private(set) var now: Double
    var dateCache = HTTPDateCache()
    var requestIDs: RequestIDGenerator
    var traceIDs = TraceIDGenerator()
    let accessLog: AccessLog
    /// Scratch space for reads whose bytes are dropped (lingering close).
    var discardBuffer = [UInt8](repeating: 0, count: 16 * 1024)

    init(index: Int, context: ServerContext, listenFD: Int32) throws {
        self.index = index
        self.context = context
        self.listenFD = listenFD
        epfd = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        guard epfd >= 0, wakeFD >= 0 else { throw Socket.Failure(call: "epoll_create1/eventfd", code: errno) }
        now = monotonicNow()
        lastSweep = now
        requestIDs = RequestIDGenerator(loop: index)
        accessLog = AccessLog(format: context.configuration.accessLog,
                              redactedPrefixes: context.configuration.accessLogRedactedPrefixes)
        register(listenFD, events: EPOLLIN.rawValue)
        register(wakeFD, events: EPOLLIN.rawValue)
    }

    private func register(_ fd: Int32, events: UInt32) {
        var event = epoll_event()
        event.events = events
        event.data.fd = fd
        epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event)
    }

    func modify(_ fd: Int32, events: UInt32) {
        var event = epoll_event()
        event.events = events
        event.data.fd = fd
        epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &event)
    }

    /// Calls `ready` whenever `fd` is readable (or writable, when asked), or has failed. Calling
    /// it again for the same socket changes the interest and the callback.
    public func watch(_ fd: Int32, writable: Bool, _ ready: @escaping () -> Void) {
        let events = EPOLLIN.rawValue | (writable ? EPOLLOUT.rawValue : 0)
        switch watchers.updateValue((events, ready), forKey: fd)?.events {
        case nil: register(fd, events: events)
        case events: break
        default: modify(fd, events: events)
        }
    }

    public func unwatch(_ fd: Int32) {
        guard watchers.removeValue(forKey: fd) != nil else { return }
        epoll_ctl(epfd, EPOLL_CTL_DEL, fd, nil)
    }

    /// Runs `action` after the events of every turn have been handled.
    public func atEndOfEachTurn(_ action: @escaping () -> Void) {
        turnEndActions.append(action)
    }

    /// Ends the turn's wait no later than `deadline` (monotonic seconds), so the end-of-turn
    /// actions run then (a retry after its back-off, say).
    public func wakeUp(at deadline: Double) {
        wakeAt = min(wakeAt, deadline)
    }

    /// This loop's one value of type `T`, made by `make` on first use.
    public func local<T: AnyObject>(_ make: () -> T) -> T {
        if let value = locals[ObjectIdentifier(T.self)] as? T { return value }
        let value = make()
        locals[ObjectIdentifier(T.self)] = value
        return value
    }

    /// Runs `task` on this loop's thread, soon. Called from any thread.
    public func execute(_ task: @escaping @Sendable () -> Void) {
        post(.task(task))
    }

    /// Runs `action` on this loop when the server starts shutting down (to end open streams).
    public func atShutdown(_ action: @escaping () -> Void) {
        shutdownActions.append(action)
    }

    /// Called from any thread.
    func post(_ message: Message) {
        mailbox.withLock { [wakeFD] mailbox in
            guard !mailbox.ended else { return }
            mailbox.messages.append(message)
            guard !mailbox.wakePending else { return }
            mailbox.wakePending = true
            // Under the lock, so the loop cannot close the eventfd between the check and the write.
            var one: UInt64 = 1
            _ = Glibc.write(wakeFD, &one, 8)
        }
    }

    /// The thread running `run()`, once it runs.
    private let thread = Atomic<UInt>(0)

    /// Whether the caller runs on this loop's thread.
    public var inLoop: Bool { thread.load(ordering: .relaxed) == UInt(pthread_self()) }

    func run() {
        thread.store(UInt(pthread_self()), ordering: .relaxed)
        var events = [epoll_event](repeating: epoll_event(), count: 512)
        while !(draining && liveConnections == 0) {
            let timeout = wakeAt.isFinite ? Int32(max(0, min(1000, (wakeAt - monotonicNow()) * 1000 + 1))) : 1000
            wakeAt = .infinity
            let count = epoll_wait(epfd, &events, Int32(events.count), timeout)
            now = monotonicNow()
            acceptedThisTurn.removeAll(keepingCapacity: true)
            if count > 0 {
                for i in 0..<Int(count) {
                    let event = events[i]
                    let fd = event.data.fd
                    if fd == listenFD {
                        acceptConnections()
                    } else if fd == wakeFD {
                        drainMailbox()
                    } else if Int(fd) < connections.count, let connection = connections[Int(fd)] {
                        // An fd closed earlier in this turn and taken again by accept: the event was
                        // the old connection's (a reset one's EPOLLERR closed the new one).
                        if !acceptedThisTurn.contains(fd) { connection.handle(events: event.events) }
                    } else if let watcher = watchers[fd] {
                        watcher.ready()
                    }
                }
            }
            for action in turnEndActions { action() }
            if now - lastSweep >= 1 {
                lastSweep = now
                for case let connection? in connections { connection.sweep() }
            }
            accessLog.flush()
        }
        accessLog.flush()
        // What handlers kept here (a database connection) ends with the loop.
        turnEndActions.removeAll()
        watchers.removeAll()
        locals.removeAll()
        let unread = mailbox.withLock { mailbox in
            mailbox.ended = true
            defer { mailbox.messages = [] }
            return mailbox.messages
        }
        _ = unread  // released here, outside the lock (a deinit may post)
        close(wakeFD)
        close(epfd)
    }

    private func acceptConnections() {
        let configuration = context.configuration
        for _ in 0..<64 {
            let fd = accept4(listenFD, nil, nil, Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue))
            if fd < 0 { return }
            guard context.metrics.openConnection(limit: configuration.maxConnections) else {
                refuse(fd)
                continue
            }
            Socket.setNoDelay(fd)
            let connection = Connection(fd: fd, loop: self)
            if Int(fd) >= connections.count {
                connections.append(contentsOf: repeatElement(nil, count: Int(fd) + 1024 - connections.count))
            }
            connections[Int(fd)] = connection
            acceptedThisTurn.append(fd)
            liveConnections += 1
            register(fd, events: EPOLLIN.rawValue)
        }
    }

    /// Over the connection cap: a short 503 and close, without touching anyone else.
    private func refuse(_ fd: Int32) {
        let body = #"{"type":"about:blank","title":"Service Unavailable","status":503,"detail":"Too many open connections."}"#
        let text = "HTTP/1.1 503 Service Unavailable\r\nDate: \(dateCache.current())\r\n"
            + "Content-Type: application/problem+json; charset=utf-8\r\nContent-Length: \(body.utf8.count)\r\n"
            + "Retry-After: 1\r\nConnection: close\r\n\r\n" + body
        _ = text.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        close(fd)
    }

    func connectionClosed(_ fd: Int32) {
        connections[Int(fd)] = nil
        liveConnections -= 1
        context.metrics.closeConnection()
    }

    private func drainMailbox() {
        var value: UInt64 = 0
        _ = Glibc.read(wakeFD, &value, 8)
        let messages = mailbox.withLock { mailbox in
            defer {
                mailbox.messages.removeAll(keepingCapacity: true)
                mailbox.wakePending = false
            }
            return mailbox.messages
        }
        for message in messages {
            switch message {
            case let .response(bound, response):
                let (connection, exchange) = bound.value
                connection.responseReady(exchange, response)
            case let .streamedResponse(bound, response, stream):
                let (connection, exchange) = bound.value
                connection.responseReady(exchange, response, stream: stream)
            case let .resume(bound):
                let (connection, exchange) = bound.value
                connection.resume(exchange)
            case let .chunk(bound, bytes):
                let (connection, exchange) = bound.value
                connection.chunkReady(exchange, bytes)
            case let .streamEnd(bound, failed):
                let (connection, exchange) = bound.value
                connection.streamEnded(exchange, failed: failed)
            case let .task(task):
                task()
            case .shutdown:
                beginDraining()
            case .forceClose:
                draining = true
                for case let connection? in connections { connection.close() }
            }
        }
    }

    private func beginDraining() {
        guard !draining else { return }
        draining = true
        if listenFD >= 0 {
            epoll_ctl(epfd, EPOLL_CTL_DEL, listenFD, nil)
            close(listenFD)
            listenFD = -1
        }
        for action in shutdownActions { action() }
        for case let connection? in connections { connection.closeIfIdle() }
    }
}
