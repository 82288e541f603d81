import JSON

/// What a handler answers. The engine adds Date, framing, X-Request-Id, CORS and compression.
public struct Response: Sendable {
    public var status: Int
    public var headers: Headers
    public var body: [UInt8]

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
