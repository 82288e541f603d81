import HTTP

public struct Route: Sendable {
    public let method: HTTPMethod
    /// e.g. `/imports/{import_id:int}/citizens`
    public let template: String
    /// Who may call it; checked by the server's gate before the body is read.
    public let access: AccessRequirement
    public let execution: Execution
    public let handler: Handler
}
