public typealias Handler = @Sendable (Request) throws -> Response

/// A handler that must not block: it runs on the event loop that read the request and calls
/// `respond` once, on that loop, when its answer is ready (a query on the loop's own database
/// connection, say).
public typealias NonBlockingHandler = @Sendable (_ request: Request, _ loop: EventLoop,
                                                 _ respond: @escaping (Result<Response, Error>) -> Void) -> Void

/// Where a handler runs: on the event loop (only for quick answers that never block and take no
/// body), on the event loop answering later (`NonBlockingHandler`), or on the worker pool
/// (everything else that touches the database or reads a body).
public enum Execution: Sendable {
    case eventLoop
    case nonBlocking(NonBlockingHandler)
    case workerPool
}
