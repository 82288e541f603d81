import HTTP

/// Endpoints that answer JSON or a chart: `Accept: image/svg+xml` or `?format=svg` asks for the
/// chart; `?format=json` for JSON whatever Accept says.
extension Request {
    public func wantsSVG() throws -> Bool {
        if let format = try queryItems().last(where: { $0.name == "format" })?.value {
            switch format {
            case "svg": return true
            case "json": return false
            default:
                throw HTTPError.badRequest("format must be json or svg.", errors: [
                    ProblemField(pointer: nil, detail: "must be json or svg", extra: [("parameter", .string("format"))]),
                ])
            }
        }
        guard let accept = headers["Accept"]?.lowercased() else { return false }
        guard let svg = accept.range(of: "image/svg+xml") else { return false }
        // JSON named first (or with the same preference) wins: the JSON answer is the default.
        if let json = accept.range(of: "application/json"), json.lowerBound < svg.lowerBound { return false }
        return true
    }
}

extension Response {
    /// An SVG document that can do no harm when opened on its own: no sniffing, no scripts, no
    /// loads (Content-Security-Policy), and caches keep JSON and SVG apart (Vary: Accept).
    public static func svg(_ body: [UInt8]) -> Response {
        var response = Response(status: 200, contentType: "image/svg+xml; charset=utf-8", body: body)
        response.headers.add("X-Content-Type-Options", "nosniff")
        response.headers.add("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
        response.headers.add("Vary", "Accept")
        return response
    }
}
