import CZlib

/// Inflates a gzip or zlib ("deflate") request body as it arrives, refusing to produce more than
/// `limit` bytes, so a compression bomb costs a 413 and no memory.
final class Inflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private let limit: Int64
    private(set) var produced: Int64 = 0
    private(set) var finished = false
    private var output = [UInt8](repeating: 0, count: 64 * 1024)

    init(gzip: Bool, limit: Int64) {
        self.limit = limit
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // zlib keeps a pointer to the stream, so it lives at a fixed heap address.
        inflateInit2_(stream, gzip ? 16 + 15 : 15, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    func inflate(_ input: UnsafeBufferPointer<UInt8>, output deliver: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        guard input.count > 0 else { return }
        if finished { throw HTTPError(400, "Data after the end of the compressed body.", closeConnection: true) }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress!)
        stream.pointee.avail_in = UInt32(input.count)
        while stream.pointee.avail_in > 0 && !finished {
            let (status, count) = output.withUnsafeMutableBufferPointer { out -> (Int32, Int) in
                stream.pointee.next_out = out.baseAddress
                stream.pointee.avail_out = UInt32(out.count)
                let status = CZlib.inflate(stream, Z_NO_FLUSH)
                return (status, out.count - Int(stream.pointee.avail_out))
            }
            switch status {
            case Z_OK, Z_BUF_ERROR: break
            case Z_STREAM_END: finished = true
            default: throw HTTPError(400, "The compressed body is corrupt.", closeConnection: true)
            }
            produced += Int64(count)
            if produced > limit {
                throw HTTPError(413, "The inflated body is larger than \(limit) bytes.", closeConnection: true)
            }
            if count > 0 { try output.withUnsafeBufferPointer { try deliver(UnsafeBufferPointer(rebasing: $0[0..<count])) } }
            if status == Z_BUF_ERROR && count == 0 { break }
        }
        if finished && stream.pointee.avail_in > 0 {
            throw HTTPError(400, "Data after the end of the compressed body.", closeConnection: true)
        }
    }

    /// Called at the end of the body: a stream that did not finish was truncated.
    func finish() throws {
        if !finished { throw HTTPError(400, "The compressed body is truncated.", closeConnection: true) }
    }
}
