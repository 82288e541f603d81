import CLinux
import Glibc

/// One client connection, driven by its event loop: reads bytes, parses heads, feeds bodies,
/// hands each head to the responder, writes responses in order. Requests are served one at a time, so
/// pipelined requests wait in the read buffer and their answers leave in order.
final class Connection {
    let fd: Int32
    unowned let loop: EventLoop
    var context: ServerContext { loop.context }
    var configuration: ServerConfiguration { loop.context.configuration }

    var buffer: UnsafeMutablePointer<UInt8>?
    var capacity = 0
    var start = 0
    var end = 0
    var searched = 0
    static let initialCapacity = 8 * 1024
    static let bodyCapacity = 64 * 1024
    var maxCapacity: Int { configuration.maxHeadBytes + configuration.maxRequestLine + 8 * 1024 }

    var exchange: Exchange?
    var output: [[UInt8]] = []
    var outputOffset = 0
    var closeAfterWrite = false
    var readPaused = false
    var peerClosed = false
    var lingering = false
    var lingerDeadline = 0.0
    var interest = EPOLLIN.rawValue
    var headStarted: Double
    var lastActivity: Double
    var lastWriteProgress: Double
    var closed = false

    init(fd: Int32, loop: EventLoop) {
        self.fd = fd
        self.loop = loop
        headStarted = loop.now
        lastActivity = loop.now
        lastWriteProgress = loop.now
    }

    deinit {
        buffer?.deallocate()
    }

    // MARK: events

    func handle(events: UInt32) {
        if events & (EPOLLIN.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 {
            if events & EPOLLERR.rawValue != 0 { close(); return }
            readable()
        }
        if !closed && events & EPOLLOUT.rawValue != 0 { flush() }
        if !closed { updateInterest() }
    }

    func readable() {
        if lingering { discardInput(); return }
        if buffer == nil {
            capacity = Connection.initialCapacity
            buffer = .allocate(capacity: capacity)
        }
        if let exchange, !exchange.bodyDone, start == end, capacity < Connection.bodyCapacity {
            start = 0
            end = 0
            grow(to: Connection.bodyCapacity)
        }
        if end == capacity {
            if start > 0 {
                compact()
            } else {
                let limit = exchange.map { !$0.bodyDone } == true ? max(maxCapacity, Connection.bodyCapacity) : maxCapacity
                guard capacity < limit else { return }
                grow(to: min(capacity * 2, limit))
            }
        }
        let n = Glibc.read(fd, buffer! + end, capacity - end)
        if n > 0 {
            if exchange == nil && start == end { headStarted = loop.now }
            end += n
            lastActivity = loop.now
            process()
        } else if n == 0 {
            peerClosed = true
            peerFinished()
        } else if errno != EAGAIN && errno != EINTR {
            close()
        }
    }

    /// The client closed its sending side.
    func peerFinished() {
        guard let exchange else { close(); return }
        if !exchange.bodyDone {
            bodyFailed(exchange, HTTPError(400, "The connection ended before the body was complete.", closeConnection: true))
        }
        closeAfterWrite = true
        if exchange.responseWritten { close() }
    }

    func compact() {
        let remaining = end - start
        if remaining > 0 { memmove(buffer!, buffer! + start, remaining) }
        searched = max(0, searched - start)
        start = 0
        end = remaining
    }

    func grow(to newCapacity: Int) {
        let newBuffer = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        if end > start { newBuffer.update(from: buffer! + start, count: end - start) }
        buffer?.deallocate()
        buffer = newBuffer
        searched = max(0, searched - start)
        end -= start
        start = 0
        capacity = newCapacity
    }

    func discardInput() {
        let n = loop.discardBuffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) { close() }
    }

    // MARK: requests

    func process() {
        while !closed && !lingering {
            if let exchange {
                if exchange.bodyDone || readPaused || end == start { return }
                feedBody(exchange)
            } else {
                if end == start || closeAfterWrite { return }
                if !parseHead() { return }
            }
        }
    }

    func parseHead() -> Bool {
        let result = context.parser.parse(UnsafeBufferPointer(start: buffer! + start, count: end - start), searched: &searched)
        switch result {
        case .incomplete:
            return false
        case let .failure(error):
            start = end
            queueResponse(Exchange.unparsed(requestId: loop.requestIDs.next(), trace: loop.traceIDs.trace(for: nil), now: loop.now), error.response, close: true)
            return false
        case let .complete(head, consumed):
            start += consumed
            if start == end { start = 0; end = 0 }
            begin(head)
            return true
        }
    }
}
