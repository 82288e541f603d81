/// Who made a change: the API key's public id and name (access.md), or nobody (auth off).
public struct EventActor: Sendable, Equatable {
    public let id: String
    public let name: String

    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }
}

import HTTP

extension EventActor {
    /// The actor of a request: the key that sent it, or nobody (auth off, open routes).
    public init?(_ caller: Caller?) {
        guard let caller else { return nil }
        self.init(id: caller.id, name: caller.name)
    }
}
