import Locks

/// A request body as a stream: the event loop appends decoded bytes as they arrive, the handler
/// reads them on its worker thread. When the handler falls behind, the loop stops reading the
/// socket (backpressure), so an upload of any size needs a bounded amount of memory.
public final class RequestBody: Sendable {
    static let highWater = 1 << 20
    static let lowWater = 256 << 10

    private struct Queue {
        var chunks: [[UInt8]] = []
        var chunkIndex = 0
        var buffered = 0
        var finished = false
        var failure: HTTPError?
        var abandoned = false
        var producerPaused = false
        /// Called (on the reading thread) when a paused producer may go on.
        var onSpaceAvailable: (@Sendable () -> Void)?
    }

    private let queue: Monitor<Queue>

    /// The declared Content-Length, when there was one.
    public let declaredLength: Int64?

    init(declaredLength: Int64?, finished: Bool = false) {
        self.declaredLength = declaredLength
        self.queue = Monitor(Queue(finished: finished))
    }

    /// An empty, finished body. Reading it changes nothing, so one instance serves every request
    /// without a body (most of them: no lock and condition to set up per request).
    public static func empty() -> RequestBody { sharedEmpty }

    private static let sharedEmpty = RequestBody(declaredLength: 0, finished: true)

    /// Called (on the reading thread) when a paused producer may go on.
    func onSpaceAvailable(_ resume: @escaping @Sendable () -> Void) {
        queue.withLock { $0.onSpaceAvailable = resume }
    }

    /// The next piece of the body, or nil at its end. Throws the error that ended the body early
    /// (a 400 for broken framing, a 413 for a bomb, a 408 for a stalled client).
    public func read() throws -> [UInt8]? {
        let (chunk, resume) = try queue.wait(until: { $0.chunkIndex < $0.chunks.count || $0.finished || $0.failure != nil }) {
            queue, _ throws(HTTPError) -> ([UInt8]?, (@Sendable () -> Void)?) in
            if let failure = queue.failure { throw failure }
            guard queue.chunkIndex < queue.chunks.count else { return (nil, nil) }
            let chunk = queue.chunks[queue.chunkIndex]
            // Release the slot now: while the socket keeps the queue topped up it never empties, and
            // chunks already read would stay referenced (an upload's memory grew with its size).
            queue.chunks[queue.chunkIndex] = []
            queue.chunkIndex += 1
            if queue.chunkIndex == queue.chunks.count {
                queue.chunks.removeAll(keepingCapacity: true)
                queue.chunkIndex = 0
            } else if queue.chunkIndex >= 256 {
                queue.chunks.removeFirst(queue.chunkIndex)
                queue.chunkIndex = 0
            }
            queue.buffered -= chunk.count
            var resume: (@Sendable () -> Void)?
            if queue.producerPaused && queue.buffered <= RequestBody.lowWater {
                queue.producerPaused = false
                resume = queue.onSpaceAvailable
            }
            return (chunk, resume)
        }
        resume?()
        return chunk
    }

    /// The whole body, refusing one larger than `limit` bytes with a 413.
    public func readAll(limit: Int = Int.max) throws -> [UInt8] {
        if let declaredLength, declaredLength > limit { throw Self.tooLarge(limit) }
        var all: [UInt8] = []
        if let declaredLength, declaredLength > 0 { all.reserveCapacity(Int(declaredLength)) }
        while let chunk = try read() {
            if all.count + chunk.count > limit { throw Self.tooLarge(limit) }
            if all.isEmpty { all = chunk } else { all.append(contentsOf: chunk) }
        }
        return all
    }

    static func tooLarge(_ limit: Int) -> HTTPError {
        HTTPError(413, "The request body is larger than \(limit) bytes.", closeConnection: true)
    }

    /// Bytes held by the queue, read or not (for tests).
    var retainedBytes: Int {
        queue.withLock { $0.chunks.reduce(0) { $0 + $1.count } }
    }

    // MARK: producer side, called by the event loop

    /// Appends bytes; returns false when the producer should pause until `onSpaceAvailable`.
    func append(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let chunk = Array(bytes)
        return queue.withLock(wake: .one) { queue in
            if queue.abandoned { return true }
            queue.chunks.append(chunk)
            queue.buffered += chunk.count
            if queue.buffered >= RequestBody.highWater {
                queue.producerPaused = true
                return false
            }
            return true
        }
    }

    func finish() {
        queue.withLock(wake: .one) { $0.finished = true }
    }

    func fail(_ error: HTTPError) {
        queue.withLock(wake: .one) { queue in
            if queue.failure == nil && !queue.finished { queue.failure = error }
        }
    }

    /// The handler is done; whatever still arrives is dropped.
    func abandon() {
        queue.withLock { queue in
            queue.abandoned = true
            queue.chunks.removeAll()
            queue.chunkIndex = 0
            queue.buffered = 0
            queue.producerPaused = false
        }
    }
}
