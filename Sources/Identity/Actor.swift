/// Who did something: an API key's public id and name, never its secret (access.md). `role` is the
/// key's role when the gate admitted it; nil for an actor read back from a stored change (a job,
/// a source), which keeps only the id and the name.
public struct Actor: Sendable, Equatable {
    public let id: String
    public let name: String
    public let role: Role?

    public init(id: String, name: String, role: Role? = nil) {
        self.id = id
        self.name = name
        self.role = role
    }

    /// Whether the actor is known to have `role` or one that includes it.
    public func has(_ role: Role) -> Bool {
        self.role.map { $0 >= role } ?? false
    }
}
