import HTTP
import JSON

/// JSON request bodies: the media type check (415) and the reading, the same for every route.
extension Request {
    /// The body's bytes, once its Content-Type says JSON. `limit` bounds the size (413).
    public func jsonBytes(limit: Int = .max) throws -> [UInt8] {
        try JSONMediaType.check(headers["Content-Type"], method: method)
        return try body.readAll(limit: limit)
    }

    /// The body as a JSON value: 415 for another media type, 400 for a syntax error.
    public func jsonBody(limit: Int = .max, maxDepth: Int = 32) throws -> JSONValue {
        let bytes = try jsonBytes(limit: limit)
        do {
            return try JSONParser(maxDepth: maxDepth).parse(bytes)
        } catch let error as JSONParser.Error {
            throw HTTPError.invalidJSON(error)
        }
    }
}

extension HTTPError {
    /// A 400 naming where the syntax error is (line, column and byte).
    public static func invalidJSON(_ error: JSONParser.Error) -> HTTPError {
        .badRequest("The body is not valid JSON: \(error.description).")
    }
}

/// Which Content-Type values are JSON: `application/json`, any `+json` type
/// (`application/merge-patch+json`), with parameters, or none at all (a bare curl -d sends one,
/// but scripts often send none). A charset other than UTF-8 is refused: JSON is UTF-8 (RFC 8259).
public enum JSONMediaType {
    static let expected = "application/json"

    /// Refuses (415) a Content-Type that is not JSON; none at all is taken as JSON.
    public static func check(_ contentType: String?, method: HTTPMethod) throws {
        guard let contentType else { return }
        let parts = contentType.split(separator: ";", omittingEmptySubsequences: false)
        let mediaType = parts[0].trimmingASCIIWhitespace().lowercased()
        guard isJSON(mediaType) else {
            let shown = mediaType.isEmpty ? "an empty Content-Type" : mediaType
            throw refusal("The body must be JSON: send Content-Type: \(expected) (this request sent \(shown)).", method)
        }
        for parameter in parts.dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingASCIIWhitespace().lowercased() == "charset" else { continue }
            var charset = pair[1].trimmingASCIIWhitespace().lowercased()
            if charset.count >= 2, charset.hasPrefix("\""), charset.hasSuffix("\"") { charset = String(charset.dropFirst().dropLast()) }
            guard charset == "utf-8" || charset == "utf8" else {
                throw refusal("JSON bodies are UTF-8: send Content-Type: \(expected) (or charset=utf-8), not charset=\(charset).", method)
            }
        }
    }

    /// `type/subtype` where subtype is `json` under application, or ends in `+json`.
    static func isJSON(_ mediaType: String) -> Bool {
        let pieces = mediaType.split(separator: "/", omittingEmptySubsequences: false)
        guard pieces.count == 2, !pieces[0].isEmpty, !pieces[1].isEmpty else { return false }
        return (pieces[0] == "application" && pieces[1] == "json") || (pieces[1].hasSuffix("+json") && pieces[1].count > 5)
    }

    /// A 415; a PATCH also says which patch formats it takes (RFC 5789).
    static func refusal(_ detail: String, _ method: HTTPMethod) -> HTTPError {
        var headers = Headers()
        if method == .PATCH { headers.add("Accept-Patch", "application/json, application/merge-patch+json") }
        return HTTPError(415, detail, headers: headers)
    }
}
