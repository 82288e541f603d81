/// Decodes a `Transfer-Encoding: chunked` body incrementally: it can stop at any byte and go on
/// when more arrive. Chunk extensions and trailer fields are read and ignored.
struct ChunkedDecoder {
    private enum State {
        case size, sizeWhitespace, extensions, sizeLF
        case data(Int64), dataCR, dataLF
        case trailerStart, trailer, trailerLF, finalLF
        case done
    }

    private var state = State.size
    private var size: Int64 = 0
    private var sizeDigits = 0
    private var lineBytes = 0
    private let maxLineBytes = 4096
    private var trailerBytes = 0
    private let maxTrailerBytes = 64 * 1024

    var isComplete: Bool {
        if case .done = state { return true }
        return false
    }

    /// Consumes bytes from `input`, handing decoded data to `output`, and returns how many bytes it
    /// took: all of them, or fewer when the body ended (what follows is the next request).
    mutating func decode(_ input: UnsafeBufferPointer<UInt8>,
                         output: (UnsafeBufferPointer<UInt8>) throws -> Void) throws -> Int {
        var i = 0
        let n = input.count
        while i < n {
            let b = input[i]
            switch state {
            case .size:
                if let digit = ByteClass.hexValue(b) {
                    sizeDigits += 1
                    guard sizeDigits <= 15 else { throw malformed("chunk size too large") }
                    size = size << 4 | Int64(digit)
                    i += 1
                } else {
                    guard sizeDigits > 0 else { throw malformed("malformed chunk size") }
                    state = .sizeWhitespace
                }
            case .sizeWhitespace:
                switch b {
                case 0x20, 0x09: i += 1
                case UInt8(ascii: ";"): state = .extensions; lineBytes = 0; i += 1
                case 0x0D: state = .sizeLF; i += 1
                default: throw malformed("malformed chunk size")
                }
            case .extensions:
                if b == 0x0D {
                    state = .sizeLF
                } else {
                    guard b == 0x09 || (b >= 0x20 && b != 0x7F) else { throw malformed("invalid byte in a chunk extension") }
                    lineBytes += 1
                    guard lineBytes <= maxLineBytes else { throw malformed("chunk extension too long") }
                }
                i += 1
            case .sizeLF:
                guard b == 0x0A else { throw malformed("chunk size line must end with CRLF") }
                i += 1
                if size == 0 {
                    state = .trailerStart
                } else {
                    state = .data(size)
                }
                size = 0
                sizeDigits = 0
            case let .data(remaining):
                let take = Int(min(Int64(n - i), remaining))
                try output(UnsafeBufferPointer(rebasing: input[i..<(i + take)]))
                i += take
                state = remaining - Int64(take) == 0 ? .dataCR : .data(remaining - Int64(take))
            case .dataCR:
                guard b == 0x0D else { throw malformed("chunk data must end with CRLF") }
                state = .dataLF
                i += 1
            case .dataLF:
                guard b == 0x0A else { throw malformed("chunk data must end with CRLF") }
                state = .size
                i += 1
            case .trailerStart:
                if b == 0x0D {
                    state = .finalLF
                } else {
                    state = .trailer
                    trailerBytes += 1
                }
                i += 1
            case .trailer:
                if b == 0x0D {
                    state = .trailerLF
                } else {
                    guard b == 0x09 || (b >= 0x20 && b != 0x7F) || b >= 0x80 else { throw malformed("invalid byte in a trailer field") }
                }
                trailerBytes += 1
                guard trailerBytes <= maxTrailerBytes else { throw malformed("trailer fields too large") }
                i += 1
            case .trailerLF:
                guard b == 0x0A else { throw malformed("trailer field must end with CRLF") }
                state = .trailerStart
                i += 1
            case .finalLF:
                guard b == 0x0A else { throw malformed("chunked body must end with CRLF") }
                state = .done
                return i + 1
            case .done:
                return i
            }
        }
        return i
    }

    private func malformed(_ what: String) -> HTTPError {
        HTTPError(400, "Malformed chunked body: \(what).", closeConnection: true)
    }
}
