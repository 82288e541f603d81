import Access
import App
import ArgumentParser
import DataSources
import Events
import Foundation
import HTTP

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the HTTP API.")

    @Option(help: "Address to listen on. [env: HOST, default: 0.0.0.0]")
    var host: String?

    @Option(help: "TCP port. [env: PORT, default: 8080]")
    var port: UInt16?

    @Option(help: "Event loops (threads accepting and serving connections). [env: EVENT_LOOPS, default: cores]")
    var eventLoops: Int?

    @Option(help: "Worker threads running handlers. [env: WORKER_THREADS, default: 4 per core]")
    var workerThreads: Int?

    @Option(help: "Largest request body in bytes. [env: MAX_BODY_BYTES, default: 268435456]")
    var maxBodyBytes: Int64?

    @Option(help: "Largest inflated (gzip/deflate) body in bytes. [env: MAX_INFLATED_BYTES, default: 1073741824]")
    var maxInflatedBytes: Int64?

    @Option(help: "Most open connections. [env: MAX_CONNECTIONS, default: 10000]")
    var maxConnections: Int?

    @Option(help: "Seconds to receive a request head. [env: HEAD_TIMEOUT, default: 10]")
    var headTimeout: Double?

    @Option(help: "Seconds without body bytes before 408. [env: BODY_TIMEOUT, default: 30]")
    var bodyTimeout: Double?

    @Option(help: "Seconds an idle keep-alive connection stays open. [env: IDLE_TIMEOUT, default: 60]")
    var idleTimeout: Double?

    @Option(help: "Seconds in-flight requests get to finish on SIGTERM. [env: SHUTDOWN_GRACE, default: 10]")
    var shutdownGrace: Double?

    @Option(help: "Access log: text, json or off. [env: ACCESS_LOG, default: text]")
    var accessLog: String?

    @Option(help: "Comma-separated CORS origins, or * for any. [env: CORS_ORIGINS, default: *]")
    var corsOrigins: String?

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Database connections in the pool. [env: DB_POOL_SIZE, default: one per worker thread]")
    var dbPoolSize: Int?

    @Option(name: .customLong("database-read-url"), help: "Where read-only GETs may go: the replicas' hosts (host=db2,db3 ...), each checked for its lag and what it has replayed. [env: DATABASE_READ_URL, default: none, all to the primary]")
    var databaseReadURL: String?

    @Option(help: "Seconds a replica's data may be behind the primary and still serve a read without a consistency token. [env: READ_MAX_LAG, default: 1]")
    var readMaxLag: Double?

    @Option(help: "Seconds a read with a consistency token waits for a replica to replay it before the primary serves it. [env: READ_WAIT, default: 0.1]")
    var readWait: Double?

    @Option(help: "Tries of a database operation that fails transiently (connection lost, 40001, 40P01, 57P01); 1 means no retry. [env: DB_RETRY_ATTEMPTS, default: 4]")
    var dbRetryAttempts: Int?

    @Option(help: "Seconds before the first retry; each next one waits twice as long. [env: DB_RETRY_DELAY, default: 0.02]")
    var dbRetryDelay: Double?

    @Option(help: "on: data routes need an API key; off: anyone may do anything (local experiments only). [env: AUTH, default: on]")
    var auth: String?

    @Option(help: "An admin key with exactly this text exists while the server runs (32-256 of A-Z a-z 0-9 _ -). [env: ADMIN_KEY]")
    var adminKey: String?

    @Option(help: "Requests a second per API key, with bursts of twice that; 0 is no limit. [env: RATE_LIMIT, default: 0]")
    var rateLimit: Double?

    @Option(help: "Days an event stays in the feed (GET /events). [env: EVENTS_RETENTION, default: 7]")
    var eventsRetention: Double?

    @Option(help: "Seconds a webhook receiver has to answer. [env: WEBHOOK_TIMEOUT, default: 10]")
    var webhookTimeout: Double?

    @Option(help: "Seconds to wait before each retry of a failed webhook delivery, comma-separated (decimals allowed; ±20 % jitter). [env: WEBHOOK_RETRY_SCHEDULE, default: 5,300,1800,7200,18000,36000,36000]")
    var webhookRetrySchedule: String?

    @Flag(help: "Let webhook URLs reach loopback, link-local and private addresses. [env: WEBHOOK_ALLOW_PRIVATE=1]")
    var webhookAllowPrivate = false

    @Option(help: "Webhook deliveries in flight at most (one per endpoint), all driven by one thread. [env: WEBHOOK_CONCURRENCY, default: 256]")
    var webhookConcurrency: Int?

    @Option(help: "Seconds a webhook delivery has to look the receiver's name up and connect, within --webhook-timeout. [env: WEBHOOK_CONNECT_TIMEOUT, default: 3]")
    var webhookConnectTimeout: Double?

    @Option(help: "Consecutive failed attempts that open an endpoint's circuit breaker (its next attempts then wait per the retry schedule). [env: WEBHOOK_BREAKER_THRESHOLD, default: 5]")
    var webhookBreakerThreshold: Int?

    @Option(help: "Threads running jobs (Prefer: respond-async imports and uploads), apart from the worker threads. [env: JOB_WORKERS, default: cores]")
    var jobWorkers: Int?

    @Option(help: "Runs of a job that fails transiently (connection lost, 40001, 40P01, 57P01), with exponential back-off and jitter. [env: JOB_ATTEMPTS, default: 3]")
    var jobAttempts: Int?

    @Option(help: "Seconds a running job's lease lasts without a heartbeat; a job of a server that died runs again after it. [env: JOB_LEASE, default: 30]")
    var jobLease: Double?

    @Option(help: "Days a finished job stays listed (GET /jobs); at least 1. [env: JOBS_RETENTION, default: 7]")
    var jobsRetention: Double?

    @Option(help: "Seconds a whole pull of a source may take (connecting: 10 of them). [env: SOURCE_TIMEOUT, default: 300]")
    var sourceTimeout: Double?

    @Option(help: "Seconds to wait before each retry of a failed pull, comma-separated (decimals allowed; ±20 % jitter; the last repeats). [env: SOURCE_RETRY_SCHEDULE, default: 10,60,300,1800]")
    var sourceRetrySchedule: String?

    @Flag(help: "Let source URLs and their redirects reach loopback, link-local and private addresses. [env: SOURCE_ALLOW_PRIVATE=1]")
    var sourceAllowPrivate = false

    @Option(help: "A PEM file of CA certificates that https pulls trust instead of the system's. [env: SOURCE_CA_FILE]")
    var sourceCaFile: String?

    @Flag(help: "Do not apply pending migrations at start (only check them). [env: NO_MIGRATE=1]")
    var noMigrate = false

    @Option(help: "The OpenAPI document served at /openapi.json. [env: OPENAPI_FILE, default: openapi.json]")
    var openapiFile: String?

    @Option(help: "Folder of the Swagger UI assets for /docs. [env: DOCS_ASSETS_DIR, default: .local/swagger-ui]")
    var docsAssetsDirectory: String?

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        func setting<T: LosslessStringConvertible>(_ flag: T?, _ name: String) throws -> T? {
            if let flag { return flag }
            guard let text = environment[name], !text.isEmpty else { return nil }
            guard let value = T(text) else { throw ValidationError("\(name)=\(text) is not valid") }
            return value
        }
        var server = ServerConfiguration()
        if let v = try setting(host, "HOST") { server.host = v }
        if let v = try setting(port, "PORT") { server.port = v }
        if let v = try setting(eventLoops, "EVENT_LOOPS") { server.eventLoops = v }
        if let v = try setting(workerThreads, "WORKER_THREADS") { server.workerThreads = v }
        if let v = try setting(maxBodyBytes, "MAX_BODY_BYTES") { server.maxBodyBytes = v }
        if let v = try setting(maxInflatedBytes, "MAX_INFLATED_BYTES") { server.maxInflatedBytes = v }
        if let v = try setting(maxConnections, "MAX_CONNECTIONS") { server.maxConnections = v }
        if let v = try setting(headTimeout, "HEAD_TIMEOUT") { server.headTimeout = v }
        if let v = try setting(bodyTimeout, "BODY_TIMEOUT") { server.bodyTimeout = v }
        if let v = try setting(idleTimeout, "IDLE_TIMEOUT") { server.idleTimeout = v }
        if let v = try setting(shutdownGrace, "SHUTDOWN_GRACE") { server.shutdownGrace = v }
        if let v = try setting(accessLog, "ACCESS_LOG") {
            guard let format = ServerConfiguration.AccessLogFormat(rawValue: v) else {
                throw ValidationError("access log must be text, json or off")
            }
            server.accessLog = format
        }
        if let v = try setting(corsOrigins, "CORS_ORIGINS"), v != "*" {
            server.cors = CORSPolicy(allowedOrigins: Set(v.split(separator: ",").map { String($0) }))
        }

        var app = AppConfiguration(databaseURL: try database.url())
        app.databaseDirectURL = try database.directURL()
        app.databaseStatements = try database.statements()
        app.server = server
        app.migrationsDirectory = database.migrationsDirectory
        if let v = try setting(dbPoolSize, "DB_POOL_SIZE") { app.databasePoolSize = v }
        if let v = try setting(dbRetryAttempts, "DB_RETRY_ATTEMPTS") {
            guard v >= 1 else { throw ValidationError("DB retry attempts must be at least 1") }
            app.databaseAttempts = v
        }
        if let v = try setting(dbRetryDelay, "DB_RETRY_DELAY") {
            guard v >= 0 else { throw ValidationError("DB retry delay must not be negative") }
            app.databaseRetryDelay = v
        }
        if let v = try setting(databaseReadURL, "DATABASE_READ_URL") { app.reads.url = v }
        if let v = try setting(readMaxLag, "READ_MAX_LAG") {
            guard v >= 0 else { throw ValidationError("the read max lag must not be negative") }
            app.reads.maxLag = v
        }
        if let v = try setting(readWait, "READ_WAIT") {
            guard v >= 0, v <= 10 else { throw ValidationError("the read wait must be from 0 to 10 seconds") }
            app.reads.wait = v
        }
        app.migrateOnStart = !(noMigrate || environment["NO_MIGRATE"] == "1")
        if let v = try setting(openapiFile, "OPENAPI_FILE") { app.openAPIPath = v }
        if let v = try setting(docsAssetsDirectory, "DOCS_ASSETS_DIR") { app.docsAssetsDirectory = v }

        switch try setting(auth, "AUTH") ?? "on" {
        case "on": app.auth = true
        case "off": app.auth = false
        case let other: throw ValidationError("--auth must be on or off, not \(other)")
        }
        if let v = try setting(adminKey, "ADMIN_KEY") {
            guard KeyToken(v) != nil else {
                throw ValidationError("the admin key must be 32-256 characters from A-Z a-z 0-9 _ - (insikt keys create makes one)")
            }
            app.adminKey = v
        }
        if let v = try setting(rateLimit, "RATE_LIMIT") {
            guard v >= 0 else { throw ValidationError("the rate limit must not be negative") }
            app.rateLimit = v
        }

        if let v = try setting(eventsRetention, "EVENTS_RETENTION") {
            guard v > 0 else { throw ValidationError("the events retention must be a positive number of days") }
            app.eventsRetentionDays = v
        }

        if let v = try setting(webhookTimeout, "WEBHOOK_TIMEOUT") {
            guard v > 0, v <= 3600 else { throw ValidationError("the webhook timeout must be from 0 to 3600 seconds") }
            app.webhooks.timeout = v
        }
        if let v = try setting(webhookRetrySchedule, "WEBHOOK_RETRY_SCHEDULE") {
            guard let schedule = WebhookRetrySchedule(v) else {
                throw ValidationError("the webhook retry schedule must be comma-separated seconds such as 5,300,1800 (each 0 to 2592000)")
            }
            app.webhooks.retrySchedule = schedule
        }
        app.webhooks.allowPrivate = webhookAllowPrivate || environment["WEBHOOK_ALLOW_PRIVATE"] == "1"
        if let v = try setting(webhookConcurrency, "WEBHOOK_CONCURRENCY") {
            guard (1...10000).contains(v) else { throw ValidationError("the webhook concurrency must be from 1 to 10000 transfers in flight") }
            app.webhooks.concurrency = v
        }
        if let v = try setting(webhookConnectTimeout, "WEBHOOK_CONNECT_TIMEOUT") {
            guard v > 0, v <= 3600 else { throw ValidationError("the webhook connect timeout must be from 0 to 3600 seconds") }
            app.webhooks.connectTimeout = v
        }
        if let v = try setting(webhookBreakerThreshold, "WEBHOOK_BREAKER_THRESHOLD") {
            guard (1...1000).contains(v) else { throw ValidationError("the webhook breaker threshold must be from 1 to 1000 failed attempts") }
            app.webhooks.breakerThreshold = v
        }
        if let v = try setting(jobWorkers, "JOB_WORKERS") {
            guard v >= 0 else { throw ValidationError("the job workers must not be negative") }
            app.jobWorkers = v
        }
        if let v = try setting(jobAttempts, "JOB_ATTEMPTS") {
            guard v >= 1 else { throw ValidationError("the job attempts must be at least 1") }
            app.jobAttempts = v
        }
        if let v = try setting(jobLease, "JOB_LEASE") {
            guard v >= 0.1 else { throw ValidationError("the job lease must be at least 0.1 seconds") }
            app.jobLease = v
        }
        if let v = try setting(jobsRetention, "JOBS_RETENTION") {
            guard v >= 1 else { throw ValidationError("the jobs retention must be at least 1 day (a finished job is kept at least 24 hours)") }
            app.jobsRetentionDays = v
        }

        if let v = try setting(sourceTimeout, "SOURCE_TIMEOUT") {
            guard v > 0, v <= 86400 else { throw ValidationError("the source timeout must be from 0 to 86400 seconds") }
            app.sources.timeout = v
        }
        if let v = try setting(sourceRetrySchedule, "SOURCE_RETRY_SCHEDULE") {
            guard let schedule = WebhookRetrySchedule(v) else {
                throw ValidationError("the source retry schedule must be comma-separated seconds such as 10,60,300,1800 (each 0 to 2592000)")
            }
            app.sources.retrySchedule = schedule
        }
        app.sources.allowPrivate = sourceAllowPrivate || environment["SOURCE_ALLOW_PRIVATE"] == "1"
        if let v = try setting(sourceCaFile, "SOURCE_CA_FILE") {
            guard FileManager.default.isReadableFile(atPath: v) else { throw ValidationError("the source CA file \(v) cannot be read") }
            app.sources.caFile = v
        }

        Server.blockTerminationSignals()
        let application = Application(app)
        try application.start()
        if !app.auth {
            ServerLog.info("warning: --auth off: every route is open to anyone who reaches port \(application.port); use it only for local experiments")
        }
        ServerLog.info("insikt listening on \(server.host):\(application.port) with \(server.eventLoops) event loops")
        let signal = Server.waitForTerminationSignal()
        ServerLog.info("signal \(signal): shutting down")
        application.stop()
        ServerLog.info("stopped")
    }
}
