/// Where a change came from: who made it (none with auth off, access.md) and the W3C trace of the
/// request that made it (`traceparent`). The outbox writes both into the change's event; a job
/// keeps both.
public struct EventOrigin: Sendable, Equatable {
    public let actor: Actor?
    public let traceparent: String?

    public init(actor: Actor?, traceparent: String? = nil) {
        self.actor = actor
        self.traceparent = traceparent
    }
}
