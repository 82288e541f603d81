import CZlib

/// One-shot gzip compression of a response body.
public enum Gzip {
    public static func compress(_ input: [UInt8], level: Int32 = 1) -> [UInt8] {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { deflateEnd(stream); stream.deinitialize(count: 1); stream.deallocate() }
        deflateInit2_(stream, level, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        let bound = Int(deflateBound(stream, UInt(input.count))) + 32
        var output = [UInt8](repeating: 0, count: bound)
        var written = 0
        input.withUnsafeBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
                stream.pointee.avail_in = UInt32(inBuf.count)
                stream.pointee.next_out = outBuf.baseAddress
                stream.pointee.avail_out = UInt32(outBuf.count)
                deflate(stream, Z_FINISH)
                written = outBuf.count - Int(stream.pointee.avail_out)
            }
        }
        output.removeSubrange(written...)
        return output
    }

    /// Inflates a whole gzip buffer (for tests and tools).
    public static func decompress(_ input: [UInt8]) -> [UInt8]? {
        let inflater = Inflater(gzip: true, limit: Int64.max)
        var out: [UInt8] = []
        do {
            try input.withUnsafeBufferPointer { try inflater.inflate($0) { out.append(contentsOf: $0) } }
            try inflater.finish()
        } catch { return nil }
        return out
    }
}
