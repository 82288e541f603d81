/// Where a change came from: who made it (the API key's public id and name; none with auth off,
/// access.md) and the W3C trace of the request that made it (`traceparent`).
public struct EventActor: Sendable, Equatable {
    public let id: String?
    public let name: String?
    public let traceparent: String?

    public init(id: String?, name: String?, traceparent: String? = nil) {
        self.id = id
        self.name = name
        self.traceparent = traceparent
    }
}

import HTTP
import Routing

extension EventActor {
    /// The origin of a request's changes: the key that sent it (if any) and its trace.
    public init(_ request: Request) {
        self.init(id: request.caller?.id, name: request.caller?.name, traceparent: request.trace.traceparent)
    }
}
