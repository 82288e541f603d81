public enum HTTPVersion: Sendable {
    case http10, http11

    var text: String { self == .http11 ? "HTTP/1.1" : "HTTP/1.0" }
}

/// The request line and header fields of one request, as parsed.
public struct RequestHead: Sendable {
    public var method: HTTPMethod
    public var target: String
    public var version: HTTPVersion
    public var headers: Headers
}
