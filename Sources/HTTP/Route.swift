public typealias Handler = @Sendable (Request) throws -> Response

/// Where a handler runs: on the event loop (only for quick answers that never block and take no
/// body) or on the worker pool (everything that touches the database or reads a body).
public enum Execution: Sendable {
    case eventLoop
    case workerPool
}

public struct Route: Sendable {
    public let method: HTTPMethod
    /// e.g. `/imports/{import_id:int}/citizens`
    public let template: String
    public let execution: Execution
    public let handler: Handler
}
