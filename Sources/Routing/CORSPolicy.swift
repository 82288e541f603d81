import HTTP

/// Cross-origin rules for browser front ends.
public struct CORSPolicy: Sendable {
    /// nil allows any origin.
    public var allowedOrigins: Set<String>?
    public static let exposedHeaders = "ETag, Location, Retry-After, X-Request-Id, traceresponse, Insikt-Consistency"
    static let baseAllowedHeaders = ["Content-Type", "If-Match", "If-None-Match", "X-Request-Id", "traceparent", "tracestate"]

    public init(allowedOrigins: Set<String>? = nil) {
        self.allowedOrigins = allowedOrigins
    }

    func allows(_ origin: String) -> Bool {
        allowedOrigins?.contains(origin) ?? true
    }

    /// The value of Access-Control-Allow-Origin for this origin.
    func allowOriginValue(_ origin: String) -> String {
        allowedOrigins == nil ? "*" : origin
    }

    /// Adds the headers every non-preflight response to a cross-origin request carries.
    func decorate(_ headers: inout Headers, origin: String) {
        guard allows(origin) else { return }
        headers.add("Access-Control-Allow-Origin", allowOriginValue(origin))
        headers.add("Access-Control-Expose-Headers", CORSPolicy.exposedHeaders)
        if allowedOrigins != nil { headers.add("Vary", "Origin") }
    }

    /// The answer to a preflight on a path that takes `allow`.
    func preflight(origin: String, requestedHeaders: String?, allow: String) -> Response {
        var response = Response.empty(204)
        var allowed = CORSPolicy.baseAllowedHeaders
        if let requestedHeaders {
            for name in requestedHeaders.split(separator: ",") {
                let trimmed = name.trimmingASCIIWhitespace()
                if !trimmed.isEmpty && !allowed.contains(where: { Headers.equalsIgnoringCase($0, trimmed) }) {
                    allowed.append(trimmed)
                }
            }
        }
        response.headers.add("Access-Control-Allow-Origin", allowOriginValue(origin))
        response.headers.add("Access-Control-Allow-Methods", allow)
        response.headers.add("Access-Control-Allow-Headers", allowed.joined(separator: ", "))
        response.headers.add("Access-Control-Max-Age", "600")
        if allowedOrigins != nil { response.headers.add("Vary", "Origin") }
        return response
    }
}
