import Foundation
import Locks

/// A stored body's pieces fetched on a thread of their own, at most `depth` pieces ahead of the
/// work that takes them: PostgreSQL reads the next piece while the work handles this one, and
/// memory stays bounded. A fetch's error comes after the pieces before it, as it would in order.
final class BodyReadAhead: Sendable {
    private struct Pieces {
        var ready: [[UInt8]] = []
        var ended = false
        var failure: (any Error)?
        var closed = false
    }

    private let pieces = Monitor(Pieces())
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
        try pieces.wait(until: { !$0.ready.isEmpty || $0.ended || $0.failure != nil }, wake: .all) { pieces, _ throws -> [UInt8]? in
            if !pieces.ready.isEmpty { return pieces.ready.removeFirst() }
            if let failure = pieces.failure { throw failure }
            return nil
        }
    }

    /// Stops fetching (the run ended or starts over); its thread ends.
    func close() {
        pieces.withLock(wake: .all) { pieces in
            pieces.closed = true
            pieces.ready.removeAll()
        }
    }

    private func run(_ fetch: (Int32) throws -> [UInt8]?) {
        var seq: Int32 = 0
        let depth = depth
        while true {
            let stop = pieces.wait(until: { $0.ready.count < depth || $0.closed }) { pieces, _ in pieces.closed }
            if stop { return }
            let piece: [UInt8]?
            do {
                piece = try fetch(seq)
            } catch {
                pieces.withLock(wake: .all) { $0.failure = error }
                return
            }
            pieces.withLock(wake: .all) { pieces in
                if let piece, !pieces.closed { pieces.ready.append(piece) } else { pieces.ended = true }
            }
            if piece == nil { return }
            seq += 1
        }
    }
}
