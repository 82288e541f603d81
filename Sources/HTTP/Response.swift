import JSON

/// What a handler answers. The engine adds Date, framing, X-Request-Id, CORS and compression.
public struct Response: Sendable {
    public var status: Int
    public var headers: Headers
    public var body: [UInt8]
    /// Writes the body piece by piece instead of `body` (sent with chunked framing).
    public var producer: (@Sendable (ResponseStream) throws -> Void)?
    /// Keeps the body open after the head (chunked framing) and hands its `PushStream` to this,
    /// on the event loop, once the head is queued. For non-blocking handlers.
    public var push: (@Sendable (PushStream) -> Void)?

    public init(status: Int, headers: Headers = Headers(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public init(status: Int, contentType: String, body: [UInt8]) {
        self.status = status
        self.headers = Headers()
        self.headers.add("Content-Type", contentType)
        self.body = body
    }

    /// A response whose body `producer` writes as it goes (on the worker thread).
    public static func streamed(_ status: Int = 200, contentType: String,
                                _ producer: @escaping @Sendable (ResponseStream) throws -> Void) -> Response {
        var response = Response(status: status, contentType: contentType, body: [])
        response.producer = producer
        return response
    }

    /// A response whose body stays open: `open` gets the stream to write to as things happen.
    public static func pushed(_ status: Int = 200, contentType: String, _ open: @escaping @Sendable (PushStream) -> Void) -> Response {
        var response = Response(status: status, contentType: contentType, body: [])
        response.push = open
        return response
    }

    public static func json(_ status: Int = 200, _ body: [UInt8]) -> Response {
        Response(status: status, contentType: "application/json; charset=utf-8", body: body)
    }

    public static func json(_ status: Int = 200, _ value: JSONValue) -> Response {
        json(status, value.serialized)
    }

    public static func text(_ status: Int = 200, _ text: String) -> Response {
        Response(status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8))
    }

    public static func empty(_ status: Int) -> Response {
        Response(status: status)
    }
}
