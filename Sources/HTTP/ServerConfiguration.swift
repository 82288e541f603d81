/// Everything the engine can be told. Defaults are those of http.md.
public struct ServerConfiguration: Sendable {
    public enum AccessLogFormat: String, CaseIterable, Sendable {
        case text, json, off
    }

    public var host = "0.0.0.0"
    public var port: UInt16 = 8080
    public var eventLoops = ServerConfiguration.coreCount
    /// Four per core: with more, handlers and PostgreSQL's backends crowd the cores (measured:
    /// 16 threads gave 9.5k req/s on a one-row read on 2 cores, 8 gave 11.1k).
    public var workerThreads = max(4, 4 * ServerConfiguration.coreCount)
    /// Jobs waiting for a worker before new requests get a 503.
    public var workerQueueLimit = 4096
    public var maxRequestLine = 8 * 1024
    public var maxHeadBytes = 64 * 1024
    public var maxHeaderCount = 100
    public var maxBodyBytes: Int64 = 256 << 20
    public var maxInflatedBytes: Int64 = 1 << 30
    public var headTimeout = 10.0
    public var bodyTimeout = 30.0
    public var idleTimeout = 60.0
    public var writeTimeout = 60.0
    public var maxConnections = 10_000
    public var shutdownGrace = 10.0
    public var accessLog = AccessLogFormat.text
    /// Paths under these prefixes are logged with the rest replaced by `…` (secrets in URLs), and
    /// never echoed in an answer.
    public var accessLogRedactedPrefixes: [String] = []
    /// Responses at least this large are gzipped for clients that accept it.
    public var compressionThreshold = 1024

    public init() {}

    public static var coreCount: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }
}

#if canImport(Glibc)
import Glibc
#endif

extension ServerConfiguration {
    /// `path` as a log line or an answer may show it: under a redacted prefix, the rest is `…`.
    public func shownPath(_ path: String) -> String {
        ServerConfiguration.shownPath(path, redacting: accessLogRedactedPrefixes)
    }

    package static func shownPath(_ path: String, redacting prefixes: [String]) -> String {
        guard let prefix = prefixes.first(where: { path.utf8.count > $0.utf8.count && path.hasPrefix($0) }) else { return path }
        return prefix + "…"
    }
}
