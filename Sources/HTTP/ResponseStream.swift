/// The body of a streamed response, written by its producer on a worker thread. Each write goes
/// to the event loop as one chunk; when more than `limit` bytes are queued and not yet sent, the
/// writer waits, so a slow client holds back the producer instead of filling memory.
public final class ResponseStream: @unchecked Sendable {
    public struct Closed: Error {}

    private let lock = ConditionLock()
    private var queued = 0
    private var closed = false
    private let limit: Int
    private let send: ([UInt8]) -> Void
    /// Compresses the body (Content-Encoding: gzip); used on the producer's thread only.
    private let deflater: Deflater?

    /// `bounded: false` never waits (for collecting a body whole).
    init(bounded: Bool = true, gzip: Bool = false, send: @escaping ([UInt8]) -> Void) {
        self.limit = bounded ? 1 << 20 : Int.max
        self.deflater = gzip ? Deflater() : nil
        self.send = send
    }

    /// Sends `bytes` as the next piece of the body; throws when the client has gone.
    public func write(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        try enqueue(deflater.map { $0.compress(bytes) } ?? bytes)
    }

    /// The producer is done: the end of the compressed stream, when there is one.
    func finish() throws {
        if let deflater { try enqueue(deflater.finish()) }
    }

    private func enqueue(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        lock.lock()
        while queued > limit && !closed { lock.wait() }
        if closed {
            lock.unlock()
            throw Closed()
        }
        queued += bytes.count
        lock.unlock()
        send(bytes)
    }

    /// The loop sent `count` bytes to the socket.
    func sent(_ count: Int) {
        lock.withLock {
            queued -= count
            lock.broadcast()
        }
    }

    /// The connection closed: writers stop.
    func close() {
        lock.withLock {
            closed = true
            lock.broadcast()
        }
    }
}
