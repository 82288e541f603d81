import HTTP
import Routing

/// What a key may do; each role includes the ones before it (access.md).
public enum Role: String, CaseIterable, Sendable {
    case reader, editor, admin

    public var level: Int {
        switch self {
        case .reader: return 1
        case .editor: return 2
        case .admin: return 3
        }
    }

    public var requirement: AccessRequirement { AccessRequirement(level: level, name: rawValue) }

    public init?(level: Int) {
        guard let role = Role.allCases.first(where: { $0.level == level }) else { return nil }
        self = role
    }
}

extension AccessRequirement {
    /// Every GET/HEAD of data.
    public static let reader = Role.reader.requirement
    /// Every write of data.
    public static let editor = Role.editor.requirement
    /// Keys, webhooks, every job, /metrics.
    public static let admin = Role.admin.requirement
    /// No key: the token in the path is the credential (a report's share link). The gate lets the
    /// request through like an open one; the route's handler looks the token's hash up and
    /// answers 404 (unknown or revoked) or 410 (expired) before anything is read.
    public static let shareLink = AccessRequirement(level: 0, name: "share link")
}
