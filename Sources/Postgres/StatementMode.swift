/// How a connection sends parameterised statements.
public enum StatementMode: Sendable, Equatable {
    /// Prepared once per connection under a name, then only executed: the fastest when the
    /// connection is the server's own.
    case prepared
    /// Parsed anew each time as the unnamed statement, inside the same round trip: what a
    /// transaction pooler (PgBouncer 1.18 in transaction mode) allows, as a named statement
    /// prepared on one server connection is unknown on the next.
    case unnamed
}
