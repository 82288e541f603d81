/// How a request's body is delimited and encoded, decided from its head by RFC 9112 section 6
/// with the strict choices that keep request smuggling out.
struct RequestFraming {
    enum Length: Equatable {
        case none
        case fixed(Int64)
        case chunked
    }

    enum Coding: Equatable {
        case identity, gzip, deflate
    }

    var length: Length
    var coding: Coding
    var expectContinue: Bool
    var keepAlive: Bool

    var hasBody: Bool {
        switch length {
        case .none, .fixed(0): return false
        default: return true
        }
    }

    static func analyze(_ head: RequestHead) -> Result<RequestFraming, HTTPError> {
        func bad(_ detail: String) -> Result<RequestFraming, HTTPError> {
            .failure(HTTPError(400, detail, closeConnection: true))
        }

        // One pass over the fields; lists are split only when such a field is present.
        var hosts = 0
        var lengths: [String] = []
        var transferCodings: [String] = []
        var hasTransferEncoding = false
        var contentCodings: [String] = []
        var expect: String?
        var connectionClose = false
        var connectionKeepAlive = false
        for field in head.headers.fields {
            switch field.name.utf8.count {
            case 4 where Headers.equalsIgnoringCase(field.name, "Host"):
                hosts += 1
            case 6 where Headers.equalsIgnoringCase(field.name, "Expect"):
                expect = field.value
            case 10 where Headers.equalsIgnoringCase(field.name, "Connection"):
                for token in RequestFraming.tokens(field.value) {
                    if token == "close" { connectionClose = true } else if token == "keep-alive" { connectionKeepAlive = true }
                }
            case 14 where Headers.equalsIgnoringCase(field.name, "Content-Length"):
                lengths.append(field.value)
            case 16 where Headers.equalsIgnoringCase(field.name, "Content-Encoding"):
                contentCodings += RequestFraming.tokens(field.value).filter { $0 != "identity" }
            case 17 where Headers.equalsIgnoringCase(field.name, "Transfer-Encoding"):
                hasTransferEncoding = true
                transferCodings += RequestFraming.tokens(field.value)
            default:
                continue
            }
        }

        if hosts > 1 { return bad("More than one Host header.") }
        if head.version == .http11 && hosts == 0 { return bad("HTTP/1.1 requests need a Host header.") }
        if hasTransferEncoding && !lengths.isEmpty {
            return bad("Content-Length and Transfer-Encoding together.")
        }

        var length = Length.none
        if hasTransferEncoding {
            guard let last = transferCodings.last, last == "chunked" else {
                return bad("Transfer-Encoding must end with chunked.")
            }
            if transferCodings.dropLast().contains("chunked") { return bad("chunked applied more than once.") }
            if transferCodings.count > 1 {
                return .failure(HTTPError(501, "Transfer codings other than chunked are not supported.", closeConnection: true))
            }
            length = .chunked
        } else if !lengths.isEmpty {
            guard lengths.count == 1, let value = parseLength(lengths[0]) else {
                return bad(lengths.count == 1 ? "Malformed Content-Length." : "More than one Content-Length.")
            }
            length = .fixed(value)
        }

        var coding = Coding.identity
        if contentCodings.count > 1 {
            return .failure(HTTPError(415, "Only one content coding (gzip or deflate) is accepted.", closeConnection: true))
        } else if let only = contentCodings.first {
            switch only {
            case "gzip", "x-gzip": coding = .gzip
            case "deflate": coding = .deflate
            default:
                return .failure(HTTPError(415, "Content-Encoding \(only) is not supported; use gzip or deflate.",
                                          closeConnection: true))
            }
        }

        var expectContinue = false
        if let expect {
            guard expect.lowercased() == "100-continue" else {
                return .failure(HTTPError(417, "Only Expect: 100-continue is understood.", closeConnection: true))
            }
            expectContinue = head.version == .http11
        }

        let keepAlive = head.version == .http11 ? !connectionClose : connectionKeepAlive
        return .success(RequestFraming(length: length, coding: coding, expectContinue: expectContinue, keepAlive: keepAlive))
    }

    /// The comma-separated elements of a field value, trimmed and lowercased.
    static func tokens(_ value: String) -> [String] {
        value.split(separator: ",").compactMap { part in
            let token = part.trimmingASCIIWhitespace().lowercased()
            return token.isEmpty ? nil : token
        }
    }

    /// 1*DIGIT, nothing else (no sign, no hex, no list), without overflow.
    static func parseLength(_ text: String) -> Int64? {
        guard !text.isEmpty, text.utf8.count <= 18 else { return nil }
        var value: Int64 = 0
        for b in text.utf8 {
            guard b >= 0x30 && b <= 0x39 else { return nil }
            value = value * 10 + Int64(b - 0x30)
        }
        return value
    }
}
