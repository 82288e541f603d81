import Access
import App
import ArgumentParser
import Events
import Foundation
import HTTP
import Outgoing
import Routing

/// The table of `insikt serve`'s options (besides the database's, `DatabaseOptions`): each one's
/// flag, variable, help, check and the configuration it sets, in one place.
enum ServeSettings {
    typealias Setting = ServeSetting
    static let positive = "a number greater than 0"

    static let host = Setting<String>("host", "HOST", "Address to listen on.", rule: "an address", set: { $0.server.host = $1 },
                                      shown: { $0.server.host })
    static let port = Setting<UInt16>("port", "PORT", "TCP port; 0 picks a free one.", rule: "a port number from 0 to 65535",
                                      set: { $0.server.port = $1 }, shown: { String($0.server.port) })
    static let eventLoops = Setting<Int>("event-loops", "EVENT_LOOPS", "Event loops (threads accepting and serving connections).",
                                         rule: "from 1 to 256", valid: { (1...256).contains($0) },
                                         set: { $0.server.eventLoops = $1 }, shown: { "\($0.server.eventLoops), one per core" })
    static let workerThreads = Setting<Int>("worker-threads", "WORKER_THREADS", "Worker threads running handlers.",
                                            rule: "from 1 to 4096", valid: { (1...4096).contains($0) },
                                            set: { $0.server.workerThreads = $1 }, shown: { "\($0.server.workerThreads), 4 per core" })
    static let maxBodyBytes = Setting<Int64>("max-body-bytes", "MAX_BODY_BYTES", "Largest request body in bytes.",
                                             rule: "a number of bytes greater than 0", valid: { $0 > 0 },
                                             set: { $0.server.maxBodyBytes = $1 }, shown: { String($0.server.maxBodyBytes) })
    static let maxInflatedBytes = Setting<Int64>("max-inflated-bytes", "MAX_INFLATED_BYTES", "Largest inflated (gzip/deflate) body in bytes.",
                                                 rule: "a number of bytes greater than 0", valid: { $0 > 0 },
                                                 set: { $0.server.maxInflatedBytes = $1 }, shown: { String($0.server.maxInflatedBytes) })
    static let maxConnections = Setting<Int>("max-connections", "MAX_CONNECTIONS", "Most open connections.",
                                             rule: "a number greater than 0", valid: { $0 > 0 },
                                             set: { $0.server.maxConnections = $1 }, shown: { String($0.server.maxConnections) })
    static let headTimeout = seconds("head-timeout", "HEAD_TIMEOUT", "Seconds to receive a request head.", \.server.headTimeout)
    static let bodyTimeout = seconds("body-timeout", "BODY_TIMEOUT", "Seconds without body bytes before 408.", \.server.bodyTimeout)
    static let idleTimeout = seconds("idle-timeout", "IDLE_TIMEOUT", "Seconds an idle keep-alive connection stays open.", \.server.idleTimeout)
    static let shutdownGrace = seconds("shutdown-grace", "SHUTDOWN_GRACE", "Seconds in-flight requests get to finish on SIGTERM.",
                                       \.server.shutdownGrace)
    static let accessLog = Setting<ServerConfiguration.AccessLogFormat>(
        "access-log", "ACCESS_LOG", "Access log format.", rule: allowed(ServerConfiguration.AccessLogFormat.self),
        set: { $0.server.accessLog = $1 }, shown: { $0.server.accessLog.rawValue })
    static let corsOrigins = Setting<String>("cors-origins", "CORS_ORIGINS", "Comma-separated CORS origins, or * for any.",
                                             rule: "* or origins separated by commas", set: { configuration, value in
        configuration.cors = value == "*" ? CORSPolicy() : CORSPolicy(allowedOrigins: Set(value.split(separator: ",").map(String.init)))
    }, shown: { _ in "*" })

    static let dbPoolSize = Setting<Int>("db-pool-size", "DB_POOL_SIZE", "Database connections in the pool.",
                                         rule: "a number greater than 0", valid: { $0 > 0 },
                                         set: { $0.databasePoolSize = $1 }, shown: { _ in "one per worker thread" })
    static let databaseReadURL = Setting<String>(
        "database-read-url", "DATABASE_READ_URL",
        "Where read-only GETs may go: the replicas' hosts (host=db2,db3 ...), each checked for its lag and what it has replayed.",
        rule: "a libpq URI or conninfo", set: { $0.reads.url = $1 }, shown: { _ in "none, all to the primary" })
    static let readMaxLag = Setting<Double>("read-max-lag", "READ_MAX_LAG",
                                            "Seconds a replica's data may be behind the primary and still serve a read without a consistency token.",
                                            rule: "a number of seconds, 0 or more", valid: { $0 >= 0 },
                                            set: { $0.reads.maxLag = $1 }, shown: { text($0.reads.maxLag) })
    static let readWait = Setting<Double>("read-wait", "READ_WAIT",
                                          "Seconds a read with a consistency token waits for a replica to replay it before the primary serves it.",
                                          rule: "a number of seconds from 0 to 10", valid: { (0...10).contains($0) },
                                          set: { $0.reads.wait = $1 }, shown: { text($0.reads.wait) })
    static let dbRetryAttempts = Setting<Int>("db-retry-attempts", "DB_RETRY_ATTEMPTS",
                                              "Tries of a database operation that fails transiently (connection lost, 40001, 40P01, 57P01); 1 means no retry.",
                                              rule: "at least 1", valid: { $0 >= 1 },
                                              set: { $0.databaseAttempts = $1 }, shown: { String($0.databaseAttempts) })
    static let dbRetryDelay = Setting<Double>("db-retry-delay", "DB_RETRY_DELAY", "Seconds before the first retry; each next one waits twice as long.",
                                              rule: "a number of seconds, 0 or more", valid: { $0 >= 0 },
                                              set: { $0.databaseRetryDelay = $1 }, shown: { text($0.databaseRetryDelay) })

    static let auth = Setting<OnOff>("auth", "AUTH", "on: data routes need an API key; off: anyone may do anything (local experiments only).",
                                     rule: allowed(OnOff.self), set: { $0.auth = $1 == .on }, shown: { $0.auth ? "on" : "off" })
    static let adminKey = Setting<String>("admin-key", "ADMIN_KEY",
                                          "An admin key with exactly this text exists while the server runs (32-256 of A-Z a-z 0-9 _ -).",
                                          rule: "32-256 characters from A-Z a-z 0-9 _ - (insikt keys create makes one)",
                                          valid: { KeyToken($0) != nil }, set: { $0.adminKey = $1 }, shown: { _ in nil })
    static let rateLimit = Setting<Double>("rate-limit", "RATE_LIMIT", "Requests a second per API key, with bursts of twice that; 0 is no limit.",
                                           rule: "a number, 0 or more", valid: { $0 >= 0 },
                                           set: { $0.rateLimit = $1 }, shown: { text($0.rateLimit) })
    static let eventsRetention = Setting<Double>("events-retention", "EVENTS_RETENTION", "Days an event stays in the feed (GET /events).",
                                                 rule: "a positive number of days", valid: { $0 > 0 },
                                                 set: { $0.eventsRetentionDays = $1 }, shown: { text($0.eventsRetentionDays) })

    static let webhookTimeout = Setting<Double>("webhook-timeout", "WEBHOOK_TIMEOUT", "Seconds a webhook receiver has to answer.",
                                                rule: "a number of seconds greater than 0, at most 3600", valid: { $0 > 0 && $0 <= 3600 },
                                                set: { $0.webhooks.timeout = $1 }, shown: { text($0.webhooks.timeout) })
    static let webhookRetrySchedule = Setting<RetrySchedule>(
        "webhook-retry-schedule", "WEBHOOK_RETRY_SCHEDULE",
        "Seconds to wait before each retry of a failed webhook delivery, comma-separated (decimals allowed; ±20 % jitter).",
        rule: "comma-separated seconds such as 5,300,1800 (each 0 to 2592000)",
        set: { $0.webhooks.retrySchedule = $1 }, shown: { $0.webhooks.retrySchedule.delays.map(text).joined(separator: ",") })
    static let webhookAllowPrivate = ServeSwitch("webhook-allow-private", "WEBHOOK_ALLOW_PRIVATE",
                                                 "Let webhook URLs reach loopback, link-local and private addresses.") { $0.webhooks.allowPrivate = $1 }
    static let webhookConcurrency = Setting<Int>("webhook-concurrency", "WEBHOOK_CONCURRENCY",
                                                 "Webhook deliveries in flight at most (one per endpoint), all driven by one thread.",
                                                 rule: "from 1 to 10000 transfers in flight", valid: { (1...10000).contains($0) },
                                                 set: { $0.webhooks.concurrency = $1 }, shown: { String($0.webhooks.concurrency) })
    static let webhookConnectTimeout = Setting<Double>("webhook-connect-timeout", "WEBHOOK_CONNECT_TIMEOUT",
                                                       "Seconds a webhook delivery has to look the receiver's name up and connect, within --webhook-timeout.",
                                                       rule: "a number of seconds greater than 0, at most 3600", valid: { $0 > 0 && $0 <= 3600 },
                                                       set: { $0.webhooks.connectTimeout = $1 }, shown: { text($0.webhooks.connectTimeout) })
    static let webhookBreakerThreshold = Setting<Int>(
        "webhook-breaker-threshold", "WEBHOOK_BREAKER_THRESHOLD",
        "Consecutive failed attempts that open an endpoint's circuit breaker (its next attempts then wait per the retry schedule).",
        rule: "from 1 to 1000 failed attempts", valid: { (1...1000).contains($0) },
        set: { $0.webhooks.breakerThreshold = $1 }, shown: { String($0.webhooks.breakerThreshold) })

    static let jobWorkers = Setting<Int>("job-workers", "JOB_WORKERS",
                                         "Threads running jobs (Prefer: respond-async imports and uploads), apart from the worker threads.",
                                         rule: "a number, 0 or more", valid: { $0 >= 0 }, set: { $0.jobWorkers = $1 }, shown: { _ in "one per core" })
    static let jobAttempts = Setting<Int>("job-attempts", "JOB_ATTEMPTS",
                                          "Runs of a job that fails transiently (connection lost, 40001, 40P01, 57P01), with exponential back-off and jitter.",
                                          rule: "at least 1", valid: { $0 >= 1 }, set: { $0.jobAttempts = $1 }, shown: { String($0.jobAttempts) })
    static let jobLease = Setting<Double>("job-lease", "JOB_LEASE",
                                          "Seconds a running job's lease lasts without a heartbeat; a job of a server that died runs again after it.",
                                          rule: "at least 0.1 seconds", valid: { $0 >= 0.1 }, set: { $0.jobLease = $1 }, shown: { text($0.jobLease) })
    static let jobsRetention = Setting<Double>("jobs-retention", "JOBS_RETENTION", "Days a finished job stays listed (GET /jobs); at least 1.",
                                               rule: "at least 1 day (a finished job is kept at least 24 hours)", valid: { $0 >= 1 },
                                               set: { $0.jobsRetentionDays = $1 }, shown: { text($0.jobsRetentionDays) })

    static let sourceTimeout = Setting<Double>("source-timeout", "SOURCE_TIMEOUT", "Seconds a whole pull of a source may take (connecting: 10 of them).",
                                               rule: "a number of seconds greater than 0, at most 86400", valid: { $0 > 0 && $0 <= 86400 },
                                               set: { $0.sources.timeout = $1 }, shown: { text($0.sources.timeout) })
    static let sourceRetrySchedule = Setting<RetrySchedule>(
        "source-retry-schedule", "SOURCE_RETRY_SCHEDULE",
        "Seconds to wait before each retry of a failed pull, comma-separated (decimals allowed; ±20 % jitter; the last repeats).",
        rule: "comma-separated seconds such as 10,60,300,1800 (each 0 to 2592000)",
        set: { $0.sources.retrySchedule = $1 }, shown: { $0.sources.retrySchedule.delays.map(text).joined(separator: ",") })
    static let sourceAllowPrivate = ServeSwitch("source-allow-private", "SOURCE_ALLOW_PRIVATE",
                                                "Let source URLs and their redirects reach loopback, link-local and private addresses.") {
        $0.sources.allowPrivate = $1
    }
    static let sourceCaFile = Setting<String>("source-ca-file", "SOURCE_CA_FILE", "A PEM file of CA certificates that https pulls trust instead of the system's.",
                                              rule: "a file this process can read", valid: { FileManager.default.isReadableFile(atPath: $0) },
                                              set: { $0.sources.caFile = $1 }, shown: { _ in nil })

    static let noMigrate = ServeSwitch("no-migrate", "NO_MIGRATE", "Do not apply pending migrations at start (only check them).") {
        $0.migrateOnStart = !$1
    }
    static let openapiFile = Setting<String>("openapi-file", "OPENAPI_FILE", "The OpenAPI document served at /openapi.json.",
                                             rule: "a path", set: { $0.openAPIPath = $1 }, shown: { $0.openAPIPath })
    static let docsAssetsDirectory = Setting<String>("docs-assets-directory", "DOCS_ASSETS_DIR", "Folder of the Swagger UI assets for /docs.",
                                                     rule: "a path", set: { $0.docsAssetsDirectory = $1 }, shown: { $0.docsAssetsDirectory })

    /// A number of seconds greater than 0 set at `path`.
    static func seconds(_ flag: String, _ environment: String, _ about: String,
                        _ path: WritableKeyPath<AppConfiguration, Double> & Sendable) -> Setting<Double> {
        Setting(flag, environment, about, rule: "a number of seconds greater than 0", valid: { $0 > 0 },
                set: { $0[keyPath: path] = $1 }, shown: { text($0[keyPath: path]) })
    }

    /// 10 rather than 10.0.
    static func text(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
