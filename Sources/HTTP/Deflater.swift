import CZlib

/// Streaming gzip compression for a body written piece by piece. Small pieces are gathered (a
/// flush per piece would cost more than it saves); at least every `flushEvery` bytes of input the
/// output is flushed, so the client can decode what came so far. `finish` writes the trailer.
final class Deflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private var output = [UInt8](repeating: 0, count: 64 * 1024)
    private let flushEvery = 64 * 1024
    private var sinceFlush = 0

    init(level: Int32 = 1) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // zlib keeps a pointer to the stream, so it lives at a fixed heap address.
        deflateInit2_(stream, level, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Compressed output for `input`; may be empty while zlib gathers.
    func compress(_ input: [UInt8]) -> [UInt8] {
        sinceFlush += input.count
        guard sinceFlush >= flushEvery else { return run(input, flush: Z_NO_FLUSH) }
        sinceFlush = 0
        return run(input, flush: Z_SYNC_FLUSH)
    }

    /// What is left, and the gzip trailer.
    func finish() -> [UInt8] {
        run([], flush: Z_FINISH)
    }

    private func run(_ input: [UInt8], flush: Int32) -> [UInt8] {
        var result: [UInt8] = []
        input.withUnsafeBufferPointer { inBuf in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
            stream.pointee.avail_in = UInt32(inBuf.count)
            while true {
                let (status, produced) = output.withUnsafeMutableBufferPointer { out -> (Int32, Int) in
                    stream.pointee.next_out = out.baseAddress
                    stream.pointee.avail_out = UInt32(out.count)
                    let status = deflate(stream, flush)
                    return (status, out.count - Int(stream.pointee.avail_out))
                }
                result.append(contentsOf: output[..<produced])
                // Done when zlib had room to spare (all input taken, all flushed) or the stream ended.
                if status == Z_STREAM_END || status == Z_STREAM_ERROR || (status == Z_BUF_ERROR && produced == 0) { break }
                if stream.pointee.avail_out > 0 && flush != Z_FINISH { break }
            }
        }
        return result
    }
}
