/// Parses a request head (request line and header fields) from raw bytes, strictly by RFC 9112:
/// CRLF line ends only, no obs-fold, no white space before a colon, no NUL or bare CR.
public struct RequestHeadParser: Sendable {
    public enum Result {
        /// More bytes are needed.
        case incomplete
        /// A head, and how many bytes it took (leading empty lines included).
        case complete(RequestHead, consumed: Int)
        case failure(HTTPError)
    }

    public var maxRequestLine: Int
    public var maxHeadBytes: Int
    public var maxHeaderCount: Int

    public init(maxRequestLine: Int = 8 * 1024, maxHeadBytes: Int = 64 * 1024, maxHeaderCount: Int = 100) {
        self.maxRequestLine = maxRequestLine
        self.maxHeadBytes = maxHeadBytes
        self.maxHeaderCount = maxHeaderCount
    }

    /// `searched` remembers how far an earlier call looked for the blank line, so a head that
    /// arrives in pieces is not scanned from the start each time.
    public func parse(_ bytes: UnsafeBufferPointer<UInt8>, searched: inout Int) -> Result {
        let count = bytes.count
        var start = 0
        // RFC 9112 2.2: ignore empty lines before the request line.
        while start + 1 < count, bytes[start] == 0x0D, bytes[start + 1] == 0x0A { start += 2 }
        if start < count, bytes[start] == 0x0A { return .failure(bad("bare LF before the request line")) }

        guard let end = findBlankLine(bytes, from: max(start, searched - 3)) else {
            let searchedBefore = searched
            searched = count
            // Looked for once, when the bytes first outgrow a request line: a head that arrives a
            // byte at a time must not rescan the request line for every byte.
            if count - start > maxRequestLine, searchedBefore - start <= maxRequestLine,
               findCRLF(bytes, from: start, to: min(count, start + maxRequestLine + 2)) == nil {
                return .failure(HTTPError(414, "The request line is longer than \(maxRequestLine) bytes.", closeConnection: true))
            }
            if count - start > maxHeadBytes {
                return .failure(HTTPError(431, "The request head is larger than \(maxHeadBytes) bytes.", closeConnection: true))
            }
            return .incomplete
        }
        searched = 0
        if end + 4 - start > maxHeadBytes {
            if let lineEnd = findCRLF(bytes, from: start, to: end + 2), lineEnd - start > maxRequestLine {
                return .failure(HTTPError(414, "The request line is longer than \(maxRequestLine) bytes.", closeConnection: true))
            }
            return .failure(HTTPError(431, "The request head is larger than \(maxHeadBytes) bytes.", closeConnection: true))
        }
        let lineEnd = findCRLF(bytes, from: start, to: end + 2)!
        if lineEnd - start > maxRequestLine {
            return .failure(HTTPError(414, "The request line is longer than \(maxRequestLine) bytes.", closeConnection: true))
        }
        switch parseRequestLine(bytes, start, lineEnd) {
        case let .failure(error):
            return .failure(error)
        case let .success((method, target, version)):
            var headers = Headers()
            var lineStart = lineEnd + 2
            while lineStart < end + 2 {
                guard let next = findCRLF(bytes, from: lineStart, to: end + 2) else { break }
                if headers.count == maxHeaderCount {
                    return .failure(HTTPError(431, "More than \(maxHeaderCount) header fields.", closeConnection: true))
                }
                switch parseField(bytes, lineStart, next) {
                case let .failure(error): return .failure(error)
                case let .success(field): headers.add(field.0, field.1)
                }
                lineStart = next + 2
            }
            return .complete(RequestHead(method: method, target: target, version: version, headers: headers),
                             consumed: end + 4)
        }
    }

    private func bad(_ detail: String) -> HTTPError {
        HTTPError(400, detail, closeConnection: true)
    }

    private func findBlankLine(_ b: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        var i = from
        let last = b.count - 4
        while i <= last {
            if b[i + 3] != 0x0A { i += b[i + 3] == 0x0D ? 1 : 4; continue }
            if b[i] == 0x0D, b[i + 1] == 0x0A, b[i + 2] == 0x0D { return i }
            i += 1
        }
        return nil
    }

    private func findCRLF(_ b: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int? {
        var i = from
        while i + 1 < to {
            if b[i] == 0x0D, b[i + 1] == 0x0A { return i }
            i += 1
        }
        return nil
    }

    private func parseRequestLine(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int)
        -> Swift.Result<(HTTPMethod, String, HTTPVersion), HTTPError> {
        var i = start
        while i < end, ByteClass.token[Int(b[i])] { i += 1 }
        guard i > start, i < end, b[i] == 0x20 else { return .failure(bad("Malformed request line.")) }
        let method = HTTPMethod(string(b, start, i))
        i += 1
        let targetStart = i
        while i < end, ByteClass.target[Int(b[i])] { i += 1 }
        guard i > targetStart, i < end, b[i] == 0x20 else { return .failure(bad("Malformed request target.")) }
        let target = string(b, targetStart, i)
        i += 1
        let versionLength = end - i
        guard versionLength == 8, b[i] == 0x48, b[i + 1] == 0x54, b[i + 2] == 0x54, b[i + 3] == 0x50,
              b[i + 4] == 0x2F, b[i + 6] == 0x2E,
              (0x30...0x39).contains(b[i + 5]), (0x30...0x39).contains(b[i + 7]) else {
            return .failure(bad("Malformed HTTP version."))
        }
        switch (b[i + 5], b[i + 7]) {
        case (0x31, 0x31): return .success((method, target, .http11))
        case (0x31, 0x30): return .success((method, target, .http10))
        default: return .failure(HTTPError(505, "Only HTTP/1.0 and HTTP/1.1 are served.", closeConnection: true))
        }
    }

    private func parseField(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int)
        -> Swift.Result<(String, String), HTTPError> {
        if b[start] == 0x20 || b[start] == 0x09 {
            return .failure(bad("Obsolete line folding is not accepted."))
        }
        var i = start
        while i < end, ByteClass.token[Int(b[i])] { i += 1 }
        guard i < end, b[i] == UInt8(ascii: ":") else {
            return .failure(bad(i < end && (b[i] == 0x20 || b[i] == 0x09)
                ? "White space before a header field's colon." : "Malformed header field."))
        }
        guard i > start else { return .failure(bad("Empty header field name.")) }
        let name = string(b, start, i)
        i += 1
        while i < end, b[i] == 0x20 || b[i] == 0x09 { i += 1 }
        let valueStart = i
        var valueEnd = i
        while i < end {
            let byte = b[i]
            guard ByteClass.fieldValue[Int(byte)] else {
                return .failure(bad(byte == 0 ? "NUL in a header field." : byte == 0x0D
                    ? "Bare CR in a header field." : "Invalid character in a header field."))
            }
            i += 1
            if byte != 0x20 && byte != 0x09 { valueEnd = i }
        }
        return .success((name, string(b, valueStart, valueEnd)))
    }

    private func string(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: b[start..<end]), as: UTF8.self)
    }
}
