import Locks

/// The body of a streamed response, written by its producer on a worker thread. Each write goes
/// to the event loop as one chunk; when more than `limit` bytes are queued and not yet sent, the
/// writer waits, so a slow client holds back the producer instead of filling memory.
public final class ResponseStream: Sendable {
    public struct Closed: Error {}

    private struct Flow {
        var queued = 0
        var closed = false
    }

    private let flow = Monitor(Flow())
    private let limit: Int
    private let send: @Sendable ([UInt8]) -> Void
    /// Compresses the body (Content-Encoding: gzip); only the producer's thread takes it.
    private let deflater: Monitor<Deflater?>

    /// `bounded: false` never waits (for collecting a body whole).
    init(bounded: Bool = true, gzip: Bool = false, send: @escaping @Sendable ([UInt8]) -> Void) {
        self.limit = bounded ? 1 << 20 : Int.max
        self.deflater = Monitor(gzip ? Deflater() : nil)
        self.send = send
    }

    /// Sends `bytes` as the next piece of the body; throws when the client has gone.
    public func write(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        try enqueue(deflater.withLock { $0.map { $0.compress(bytes) } } ?? bytes)
    }

    /// The producer is done: the end of the compressed stream, when there is one.
    func finish() throws {
        if let last = deflater.withLock({ $0?.finish() }) { try enqueue(last) }
    }

    private func enqueue(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        let limit = limit
        let open = flow.wait(until: { $0.queued <= limit || $0.closed }) { flow, _ in
            if flow.closed { return false }
            flow.queued += bytes.count
            return true
        }
        guard open else { throw Closed() }
        send(bytes)
    }

    /// The loop sent `count` bytes to the socket.
    func sent(_ count: Int) {
        flow.withLock(wake: .all) { $0.queued -= count }
    }

    /// The connection closed: writers stop.
    func close() {
        flow.withLock(wake: .all) { $0.closed = true }
    }
}
