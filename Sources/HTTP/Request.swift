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
    /// Typed path parameters by name (`{id:int}` gives an Int64).
    public let parameters: PathParameters
    /// Who sent it, when the route needs a key and the gate found one.
    public let caller: Caller?

    init(method: HTTPMethod, path: String, query: String?, headers: Headers, body: RequestBody,
         requestId: String, parameters: PathParameters, caller: Caller?) {
        self.caller = caller
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.requestId = requestId
        self.parameters = parameters
    }

    /// The query as decoded name/value pairs, in order (`+` is a space).
    public func queryItems() throws -> [(name: String, value: String)] {
        guard let query, !query.isEmpty else { return [] }
        var items: [(String, String)] = []
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = PercentDecoding.decode(pieces[0], plusAsSpace: true),
                  let value = PercentDecoding.decode(pieces.count > 1 ? pieces[1] : "", plusAsSpace: true) else {
                throw HTTPError.badRequest("The query string is not valid percent-encoded UTF-8.")
            }
            items.append((name, value))
        }
        return items
    }

    /// The query's items, refusing names outside `allowed` with a 400 that lists each of them.
    public func queryItems(allowed: Set<String>) throws -> [(name: String, value: String)] {
        let items = try queryItems()
        let unknown = items.filter { !allowed.contains($0.name) }
        guard unknown.isEmpty else {
            throw HTTPError.badRequest("Unknown query parameters.", errors: unknown.map {
                ProblemField(pointer: nil, detail: "unknown parameter", extra: [("parameter", .string($0.name))])
            })
        }
        return items
    }
}

/// Path parameters matched by the router.
public struct PathParameters: Sendable {
    public private(set) var integers: [(String, Int64)] = []
    public private(set) var strings: [(String, String)] = []

    public init() {}

    mutating func add(_ name: String, integer: Int64) { integers.append((name, integer)) }
    mutating func add(_ name: String, string: String) { strings.append((name, string)) }

    public func int(_ name: String) -> Int64 {
        integers.first(where: { $0.0 == name })!.1
    }

    public func string(_ name: String) -> String {
        strings.first(where: { $0.0 == name })!.1
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

enum PercentDecoding {
    static func decode<S: StringProtocol>(_ text: S, plusAsSpace: Bool = false) -> String? {
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
