/// One request on a connection, from its head to the end of both its body and its response.
final class Exchange {
    let method: HTTPMethod
    let target: String
    let version: HTTPVersion
    let requestId: String
    let trace: TraceContext
    let started: Double
    let keepAlive: Bool
    let origin: String?
    let acceptEncoding: String?
    var route = "unmatched"
    /// From the responder's plan: the key id for the access log, headers added to the answer,
    /// and whether the answer gets the origin (CORS) headers.
    var keyId: String?
    var planHeaders: [(String, String)] = []
    var addsOriginHeaders = true
    var decoder: BodyDecoder?
    /// Where body bytes go; nil drops them.
    var sink: RequestBody?
    var bodyDone: Bool
    /// The body may be read to its end and dropped to keep the connection (small and announced).
    var drainAllowed = false
    var lastBodyActivity: Double
    var responseQueued = false
    var responseWritten = false
    /// Set when the response body is streamed: its writer, the bytes sent since the last drain,
    /// and whether the last chunk is queued.
    var stream: ResponseStream?
    var streamUnsent = 0
    var streamFinished = false
    /// Set when the body stays open and the application writes it from the loop.
    var pushStream: PushStream?

    /// A streamed body is being sent (not for HEAD, which gets the head alone).
    var exchangeStreaming: Bool { stream != nil && method != .HEAD }

    init(method: HTTPMethod, target: String, version: HTTPVersion, requestId: String, trace: TraceContext, started: Double,
         keepAlive: Bool, origin: String?, acceptEncoding: String?, bodyDone: Bool) {
        self.method = method
        self.target = target
        self.version = version
        self.requestId = requestId
        self.trace = trace
        self.started = started
        self.keepAlive = keepAlive
        self.origin = origin
        self.acceptEncoding = acceptEncoding
        self.bodyDone = bodyDone
        self.lastBodyActivity = started
    }

    /// For answers to bytes that never became a request (a malformed head, a head time-out).
    static func unparsed(requestId: String, trace: TraceContext, now: Double) -> Exchange {
        Exchange(method: .other("-"), target: "-", version: .http11, requestId: requestId, trace: trace, started: now,
                 keepAlive: false, origin: nil, acceptEncoding: nil, bodyDone: true)
    }
}
