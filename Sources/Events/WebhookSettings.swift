/// How the server delivers webhooks (`insikt serve --webhook-...`).
public struct WebhookSettings: Sendable {
    /// Seconds a receiver has to answer (`--webhook-timeout`).
    public var timeout = 10.0
    public var retrySchedule = WebhookRetrySchedule.standard
    /// Lets URLs reach loopback, link-local and private addresses (`--webhook-allow-private`).
    public var allowPrivate = false
    /// Threads sending deliveries (`--webhook-concurrency`); each sends one at a time.
    public var concurrency = 4
    /// An endpoint whose deliveries keep failing this many seconds is disabled.
    public var disableAfterFailingFor = 86400.0
    /// Seconds between fan-outs when no notification came (the safety net for a lost one).
    public var sweepInterval = 2.0
    /// Days a finished delivery stays listed (the events' retention).
    public var retentionDays = 7.0

    public init() {}
}
