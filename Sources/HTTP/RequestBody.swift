/// A request body as a stream: the event loop appends decoded bytes as they arrive, the handler
/// reads them on its worker thread. When the handler falls behind, the loop stops reading the
/// socket (backpressure), so an upload of any size needs a bounded amount of memory.
public final class RequestBody: @unchecked Sendable {
    static let highWater = 1 << 20
    static let lowWater = 256 << 10

    private let lock = ConditionLock()
    private var chunks: [[UInt8]] = []
    private var chunkIndex = 0
    private var buffered = 0
    private var finished = false
    private var failure: HTTPError?
    private var abandoned = false
    private var producerPaused = false
    /// Called (on the reading thread) when a paused producer may go on.
    var onSpaceAvailable: (() -> Void)?

    /// The declared Content-Length, when there was one.
    public let declaredLength: Int64?

    init(declaredLength: Int64?) {
        self.declaredLength = declaredLength
    }

    /// An empty, finished body. Reading it changes nothing, so one instance serves every request
    /// without a body (most of them: no lock and condition to set up per request).
    public static func empty() -> RequestBody { sharedEmpty }

    private static let sharedEmpty: RequestBody = {
        let body = RequestBody(declaredLength: 0)
        body.finished = true
        return body
    }()

    /// The next piece of the body, or nil at its end. Throws the error that ended the body early
    /// (a 400 for broken framing, a 413 for a bomb, a 408 for a stalled client).
    public func read() throws -> [UInt8]? {
        lock.lock()
        while chunkIndex == chunks.count && !finished && failure == nil { lock.wait() }
        if let failure {
            lock.unlock()
            throw failure
        }
        guard chunkIndex < chunks.count else {
            lock.unlock()
            return nil
        }
        let chunk = chunks[chunkIndex]
        // Release the slot now: while the socket keeps the queue topped up it never empties, and
        // chunks already read would stay referenced (an upload's memory grew with its size).
        chunks[chunkIndex] = []
        chunkIndex += 1
        if chunkIndex == chunks.count {
            chunks.removeAll(keepingCapacity: true)
            chunkIndex = 0
        } else if chunkIndex >= 256 {
            chunks.removeFirst(chunkIndex)
            chunkIndex = 0
        }
        buffered -= chunk.count
        var resume: (() -> Void)?
        if producerPaused && buffered <= RequestBody.lowWater {
            producerPaused = false
            resume = onSpaceAvailable
        }
        lock.unlock()
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
        lock.withLock { chunks.reduce(0) { $0 + $1.count } }
    }

    // MARK: producer side, called by the event loop

    /// Appends bytes; returns false when the producer should pause until `onSpaceAvailable`.
    func append(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if abandoned { return true }
        chunks.append(Array(bytes))
        buffered += bytes.count
        lock.signal()
        if buffered >= RequestBody.highWater {
            producerPaused = true
            return false
        }
        return true
    }

    func finish() {
        lock.withLock {
            finished = true
            lock.signal()
        }
    }

    func fail(_ error: HTTPError) {
        lock.withLock {
            if failure == nil && !finished { failure = error }
            lock.signal()
        }
    }

    /// The handler is done; whatever still arrives is dropped.
    func abandon() {
        lock.withLock {
            abandoned = true
            chunks.removeAll()
            chunkIndex = 0
            buffered = 0
            producerPaused = false
        }
    }
}
