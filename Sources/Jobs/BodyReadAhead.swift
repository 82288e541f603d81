import Foundation

/// A stored body's pieces fetched on a thread of their own, at most `depth` pieces ahead of the
/// work that takes them: PostgreSQL reads the next piece while the work handles this one, and
/// memory stays bounded. A fetch's error comes after the pieces before it, as it would in order.
final class BodyReadAhead: @unchecked Sendable {
    private let condition = NSCondition()
    private var ready: [[UInt8]] = []
    private var ended = false
    private var failure: Error?
    private var closed = false
    private let depth: Int

    /// `fetch(seq)`: the piece, nil past the last.
    init(depth: Int = 2, fetch: @escaping @Sendable (Int32) throws -> [UInt8]?) {
        self.depth = depth
        let thread = Thread { [self] in run(fetch) }
        thread.name = "insikt-job-body"
        thread.start()
    }

    /// The next piece, nil at the end.
    func next() throws -> [UInt8]? {
        condition.lock()
        defer { condition.unlock() }
        while ready.isEmpty && !ended && failure == nil { condition.wait() }
        if !ready.isEmpty {
            condition.signal()
            return ready.removeFirst()
        }
        if let failure { throw failure }
        return nil
    }

    /// Stops fetching (the run ended or starts over); its thread ends.
    func close() {
        condition.lock()
        closed = true
        ready.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    private func run(_ fetch: (Int32) throws -> [UInt8]?) {
        var seq: Int32 = 0
        while true {
            condition.lock()
            while ready.count >= depth && !closed { condition.wait() }
            let stop = closed
            condition.unlock()
            if stop { return }
            let piece: [UInt8]?
            do {
                piece = try fetch(seq)
            } catch {
                condition.lock()
                failure = error
                condition.broadcast()
                condition.unlock()
                return
            }
            condition.lock()
            if let piece, !closed { ready.append(piece) } else { ended = true }
            condition.broadcast()
            condition.unlock()
            if piece == nil { return }
            seq += 1
        }
    }
}
