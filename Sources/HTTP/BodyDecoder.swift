/// Turns the bytes after a request head into body bytes: Content-Length countdown or chunked
/// decoding, then inflation of a gzip/deflate body, with the configured size limits.
struct BodyDecoder {
    private var remaining: Int64 = 0
    private var chunked: ChunkedDecoder?
    private let inflater: Inflater?
    private let maxBody: Int64
    private var received: Int64 = 0
    private(set) var isComplete = false

    init(framing: RequestFraming, maxBody: Int64, maxInflated: Int64) {
        self.maxBody = maxBody
        switch framing.length {
        case .none: isComplete = true
        case let .fixed(n): remaining = n; isComplete = n == 0
        case .chunked: chunked = ChunkedDecoder()
        }
        switch framing.coding {
        case .identity: inflater = nil
        case .gzip: inflater = Inflater(gzip: true, limit: maxInflated)
        case .deflate: inflater = Inflater(gzip: false, limit: maxInflated)
        }
    }

    /// Decodes what it can of `input` and returns how many bytes it consumed.
    mutating func feed(_ input: UnsafeBufferPointer<UInt8>, output: (UnsafeBufferPointer<UInt8>) throws -> Void) throws -> Int {
        if isComplete { return 0 }
        let inflater = self.inflater
        let maxBody = self.maxBody
        var received = self.received
        let consumed: Int = try withoutActuallyEscaping(output) { output in
            let deliver: (UnsafeBufferPointer<UInt8>) throws -> Void = { raw in
                received += Int64(raw.count)
                if received > maxBody { throw RequestBody.tooLarge(Int(maxBody)) }
                if let inflater { try inflater.inflate(raw, output: output) } else { try output(raw) }
            }
            if chunked != nil {
                let n = try chunked!.decode(input, output: deliver)
                if chunked!.isComplete { isComplete = true }
                return n
            }
            let take = Int(min(Int64(input.count), remaining))
            try deliver(UnsafeBufferPointer(rebasing: input[0..<take]))
            remaining -= Int64(take)
            if remaining == 0 { isComplete = true }
            return take
        }
        self.received = received
        if isComplete { try inflater?.finish() }
        return consumed
    }
}
