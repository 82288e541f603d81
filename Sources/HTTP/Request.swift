import JSON

/// What a handler sees of a request.
public final class Request: Sendable {
    public let method: HTTPMethod
    /// The path, percent-encoded as received, without the query.
    public let path: String
    /// The raw query string after `?`, if any.
    public let query: String?
    public let headers: Headers
    public let body: RequestBody
    public let requestId: String
    /// The W3C trace this request belongs to, with this server's span (`traceparent`).
    public let trace: TraceContext
    /// What the responder planned for this request and its handler reads (the route's path
    /// parameters, the caller); the engine hands it on without looking inside.
    public let attachment: (any Sendable)?
    /// Path prefixes whose rest is a secret (share links), for `shownPath`.
    let redactedPrefixes: [String]

    /// The path as a log line may show it (a secret in it replaced by `…`); made only when logged.
    var shownPath: String { ServerConfiguration.shownPath(path, redacting: redactedPrefixes) }

    init(method: HTTPMethod, path: String, query: String?, headers: Headers, body: RequestBody,
         requestId: String, trace: TraceContext, attachment: (any Sendable)?,
         redactedPrefixes: [String]) {
        self.redactedPrefixes = redactedPrefixes
        self.attachment = attachment
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.requestId = requestId
        self.trace = trace
    }

    /// The most query parameters a request may have (an 8 KiB request line holds about 4,000). No
    /// route reads more than a few dozen; a thousand still lets a 400 list a hundred problems and
    /// count the rest.
    public static let maxQueryItems = 1000

    /// The query as decoded name/value pairs, in order (`+` is a space).
    public func queryItems() throws -> [(name: String, value: String)] {
        guard let query, !query.isEmpty else { return [] }
        var items: [(String, String)] = []
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            guard items.count < Request.maxQueryItems else {
                throw HTTPError.badRequest("The query has more than \(Request.maxQueryItems) parameters; no route takes that many.")
            }
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = PercentDecoding.decode(pieces[0], plusAsSpace: true),
                  let value = PercentDecoding.decode(pieces.count > 1 ? pieces[1] : "", plusAsSpace: true) else {
                throw HTTPError.badRequest("The query string is not valid percent-encoded UTF-8.")
            }
            items.append((name, value))
        }
        return items
    }
}

/// Percent-encoding of a path segment or query value: RFC 3986's unreserved characters stay.
public enum PercentEncoding {
    public static func encode(_ value: String) -> String {
        var out = ""
        for b in value.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(UnicodeScalar(b))
            default:
                out += "%" + (b < 16 ? "0" : "") + String(b, radix: 16, uppercase: true)
            }
        }
        return out
    }
}

package enum PercentDecoding {
    /// Not generic: a generic called from another module (Routing) runs unspecialised, through
    /// witness tables, at thousands of instructions a path.
    package static func decode(_ text: Substring, plusAsSpace: Bool = false) -> String? {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "%") || (plusAsSpace && $0 == UInt8(ascii: "+")) }) else {
            return String(text)
        }
        var utf8 = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count)
        var i = 0
        while i < utf8.count {
            let b = utf8[i]
            if b == UInt8(ascii: "%") {
                guard i + 2 < utf8.count, let hi = ByteClass.hexValue(utf8[i + 1]), let lo = ByteClass.hexValue(utf8[i + 2]) else {
                    return nil
                }
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(plusAsSpace && b == UInt8(ascii: "+") ? 0x20 : b)
                i += 1
            }
        }
        utf8 = out
        return String(validating: utf8, as: UTF8.self)
    }
}
