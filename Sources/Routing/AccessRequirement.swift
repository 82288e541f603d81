import HTTP
import Identity

/// What a route asks of its caller: nothing, a share link's token, or a key with a role (or one
/// that includes it). The gate the server is given (`RequestGate`) decides who has which role.
public enum AccessRequirement: Sendable, Equatable, CustomStringConvertible {
    case open
    /// No key: the token in the path is the credential (a report's share link). The gate lets the
    /// request through like an open one; the route's handler looks the token's hash up and
    /// answers 404 (unknown or revoked) or 410 (expired) before anything is read.
    case shareLink
    case role(Role)

    /// Every GET/HEAD of data.
    public static let reader = AccessRequirement.role(.reader)
    /// Every write of data.
    public static let editor = AccessRequirement.role(.editor)
    /// Keys, webhooks, every job, /metrics.
    public static let admin = AccessRequirement.role(.admin)

    /// No key is asked for.
    public var isOpen: Bool { role == nil }

    /// The role a key needs, nil when no key is asked for.
    public var role: Role? {
        if case let .role(role) = self { return role }
        return nil
    }

    /// As the route table, openapi.json (`x-insikt-role`) and a 403 name it.
    public var name: String {
        switch self {
        case .open: return "open"
        case .shareLink: return "share link"
        case let .role(role): return role.rawValue
        }
    }

    public var description: String { name }
}

/// Decides from the request head alone, before any body byte is read, whether a request may reach
/// its route.
public protocol RequestGate: Sendable {
    func admit(_ head: RequestHead, route: Route) -> GateDecision
}

public enum GateDecision: Sendable {
    /// Go on, as `Actor` (nil on a route that asks for no key); `headers` are added to the answer
    /// (rate-limit state, say).
    case admitted(Actor?, headers: [(String, String)])
    /// Answer this instead; `keyId` names the key that was refused, for the access log.
    case refused(Response, keyId: String?)
}
