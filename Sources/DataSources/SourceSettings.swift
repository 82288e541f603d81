import Outgoing

/// How the server pulls sources (`insikt serve --source-...`).
public struct SourceSettings: Sendable {
    /// Seconds a whole pull may take (`--source-timeout`); connecting has 10 s of it.
    public var timeout = 300.0
    public var connectTimeout = 10.0
    /// Waits before the retries of a failed pull (`--source-retry-schedule`, ±20 % jitter); a
    /// source with more retries than numbers waits the last one again.
    public var retrySchedule = RetrySchedule(delays: [10, 60, 300, 1800])
    /// Lets URLs reach loopback, link-local and private addresses (`--source-allow-private`).
    public var allowPrivate = false
    /// Exceptions to the guard, as `address:port` (`127.0.0.1:8443`): a test's own server is the
    /// first hop while a redirect to another private address is still refused. No flag sets it.
    public var privateExceptions: Set<String> = []
    /// CA certificates (PEM) that https pulls trust instead of the system's (`--source-ca-file`).
    public var caFile: String?
    /// The largest body a pull takes: the upload limit.
    public var maxBodyBytes: Int64 = 256 << 20
    /// Seconds between the schedulers' looks for due sources.
    public var pollInterval = 1.0

    public init() {}

    var policy: AddressPolicy {
        AddressPolicy(allowPrivate: allowPrivate, refusedUse: "sources are pulled from", liftedBy: "--source-allow-private")
    }
}
