import Outgoing
/// How the server delivers webhooks (`insikt serve --webhook-...`).
public struct WebhookSettings: Sendable {
    /// Seconds a receiver has to answer, connection included (`--webhook-timeout`).
    public var timeout = 10.0
    /// Seconds to look the name up and connect (`--webhook-connect-timeout`), within `timeout`.
    public var connectTimeout = 3.0
    public var retrySchedule = RetrySchedule.standard
    /// Lets URLs reach loopback, link-local and private addresses (`--webhook-allow-private`).
    public var allowPrivate = false
    /// Transfers in flight at most on this server (`--webhook-concurrency`), one per endpoint.
    public var concurrency = 256
    /// Consecutive failed attempts of an endpoint that open its circuit breaker
    /// (`--webhook-breaker-threshold`).
    public var breakerThreshold = 5
    /// An endpoint whose deliveries keep failing this many seconds is disabled.
    public var disableAfterFailingFor = 86400.0
    /// Seconds between fan-outs when no notification came (the safety net for a lost one).
    public var sweepInterval = 2.0
    /// Days a finished delivery stays listed (the events' retention).
    public var retentionDays = 7.0

    public init() {}
}
