import HTTP

/// What a route asks of its caller. The router knows only "open" or "a named level"; the gate
/// the server is given (`RequestGate`) decides what a level means and who reaches it.
public struct AccessRequirement: Sendable, Equatable, CustomStringConvertible {
    /// 0 is open; higher levels include the lower ones.
    public let level: Int
    public let name: String

    public init(level: Int, name: String) {
        self.level = level
        self.name = name
    }

    public static let open = AccessRequirement(level: 0, name: "open")

    public var isOpen: Bool { level == 0 }
    public var description: String { name }
}

/// Who sent a request, as the gate found them: the key's public id and name, never a secret.
public struct Caller: Sendable, Equatable {
    public let id: String
    public let name: String
    public let level: Int

    public init(id: String, name: String, level: Int) {
        self.id = id
        self.name = name
        self.level = level
    }
}

/// Decides from the request head alone, before any body byte is read, whether a request may reach
/// its route.
public protocol RequestGate: Sendable {
    func admit(_ head: RequestHead, route: Route) -> GateDecision
}

public enum GateDecision: Sendable {
    /// Go on; `headers` are added to the answer (rate-limit state, say).
    case admitted(Caller?, headers: [(String, String)])
    /// Answer this instead; `keyId` names the key that was refused, for the access log.
    case refused(Response, keyId: String?)
}
