import HTTP

/// Streams the content of one field of a `multipart/form-data` body (RFC 7578) as the body
/// arrives; other parts are skipped. A delimiter split across two chunks is found because the
/// last bytes of a chunk are held back until the next one shows what they are.
public struct MultipartReader {
    private enum State {
        case preamble, headers, content(wanted: Bool), afterDelimiter, done
    }

    private let delimiter: [UInt8]  // CRLF "--" boundary
    private let fieldName: String
    private var state = State.preamble
    private var pending: [UInt8] = []
    /// How many bytes of an unfinished part head were searched for its end already.
    private var headBytesSearched = 0
    public private(set) var foundField = false

    /// nil when the Content-Type has no usable boundary.
    public init?(contentType: String, fieldName: String) {
        guard let boundary = MultipartReader.boundary(of: contentType) else { return nil }
        delimiter = Array("\r\n--\(boundary)".utf8)
        self.fieldName = fieldName
        // The first delimiter may come without the leading CRLF.
        pending = [0x0D, 0x0A]
    }

    static func boundary(of contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let parts = parameter.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingCharacters(in: " \t").lowercased() == "boundary" else { continue }
            var value = parts[1].trimmingCharacters(in: " \t")
            if value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value.isEmpty || value.utf8.count > 70 ? nil : value
        }
        return nil
    }

    /// Feeds body bytes; the wanted field's content goes to `output`.
    public mutating func feed(_ input: [UInt8], output: ([UInt8]) throws -> Void) throws {
        pending.append(contentsOf: input)
        var position = 0
        loop: while true {
            switch state {
            case .done:
                position = pending.count
                break loop
            case .preamble, .content:
                let wanted: Bool
                if case let .content(w) = state { wanted = w } else { wanted = false }
                if let found = find(delimiter, in: pending, from: position) {
                    if wanted && found > position { try output(Array(pending[position..<found])) }
                    position = found + delimiter.count
                    state = .afterDelimiter
                } else {
                    // Keep what could be the start of a delimiter.
                    let safe = max(position, pending.count - delimiter.count + 1)
                    if wanted && safe > position { try output(Array(pending[position..<safe])) }
                    position = safe
                    break loop
                }
            case .afterDelimiter:
                guard pending.count - position >= 2 else { break loop }
                if pending[position] == UInt8(ascii: "-") && pending[position + 1] == UInt8(ascii: "-") {
                    state = .done
                } else {
                    // Transport padding, then CRLF.
                    var i = position
                    while i < pending.count, pending[i] == 0x20 || pending[i] == 0x09 { i += 1 }
                    // Bounded, as each feed looks at it again until the CRLF comes.
                    guard i - position <= 1024 else {
                        throw HTTPError.badRequest("Malformed multipart body: more than 1024 bytes of padding after a delimiter.")
                    }
                    guard pending.count - i >= 2 else { break loop }
                    guard pending[i] == 0x0D, pending[i + 1] == 0x0A else {
                        throw HTTPError.badRequest("Malformed multipart body: a delimiter is not followed by CRLF.")
                    }
                    position = i + 2
                    state = .headers
                }
            case .headers:
                guard let end = find([0x0D, 0x0A, 0x0D, 0x0A], in: pending, from: position + max(0, headBytesSearched - 3)) else {
                    if pending.count - position > 16 * 1024 { throw HTTPError.badRequest("Malformed multipart body: part headers too large.") }
                    headBytesSearched = pending.count - position
                    break loop
                }
                headBytesSearched = 0
                let headers = String(decoding: pending[position..<end], as: UTF8.self)
                let wanted = MultipartReader.partName(headers) == fieldName && !foundField
                if wanted { foundField = true }
                position = end + 4
                state = .content(wanted: wanted)
            }
        }
        pending.removeFirst(position)
    }

    /// The end of the body: the closing delimiter must have been seen.
    public func finish() throws {
        guard case .done = state else { throw HTTPError.badRequest("Malformed multipart body: it ends before its closing delimiter.") }
    }

    /// `name` of a part's Content-Disposition.
    static func partName(_ headers: String) -> String? {
        for line in headers.split(separator: "\r\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "content-disposition" else { continue }
            for parameter in parts[1].split(separator: ";") {
                let pair = parameter.split(separator: "=", maxSplits: 1)
                guard pair.count == 2, pair[0].trimmingCharacters(in: " \t").lowercased() == "name" else { continue }
                var value = pair[1].trimmingCharacters(in: " \t")
                if value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2 { value = String(value.dropFirst().dropLast()) }
                return value
            }
        }
        return nil
    }

    private func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard needle.count <= haystack.count - from else { return nil }
        let first = needle[0]
        var i = from
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first {
                var match = true
                for k in 1..<needle.count where haystack[i + k] != needle[k] {
                    match = false
                    break
                }
                if match { return i }
            }
            i += 1
        }
        return nil
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        var s = self
        while let c = s.first, set.contains(c) { s.removeFirst() }
        while let c = s.last, set.contains(c) { s.removeLast() }
        return String(s)
    }
}
