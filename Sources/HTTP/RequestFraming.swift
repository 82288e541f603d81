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
        let headers = head.headers
        func bad(_ detail: String) -> Result<RequestFraming, HTTPError> {
            .failure(HTTPError(400, detail, closeConnection: true))
        }

        let hosts = headers.all("Host")
        if hosts.count > 1 { return bad("More than one Host header.") }
        if head.version == .http11 && hosts.isEmpty { return bad("HTTP/1.1 requests need a Host header.") }

        let lengths = headers.all("Content-Length")
        let transferCodings = headers.tokens("Transfer-Encoding")
        let hasTransferEncoding = headers.contains("Transfer-Encoding")
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
        let contentCodings = headers.tokens("Content-Encoding").filter { $0 != "identity" }
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
        if let expect = headers.first("Expect") {
            guard expect.lowercased() == "100-continue" else {
                return .failure(HTTPError(417, "Only Expect: 100-continue is understood.", closeConnection: true))
            }
            expectContinue = head.version == .http11
        }

        let connection = headers.tokens("Connection")
        let keepAlive = head.version == .http11 ? !connection.contains("close") : connection.contains("keep-alive")
        return .success(RequestFraming(length: length, coding: coding, expectContinue: expectContinue, keepAlive: keepAlive))
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
