import Access
import DataSources
import Events
import HTTP
import Jobs
import Postgres
import Report
import Routing

/// Everything that configures the product beyond the HTTP engine.
public struct AppConfiguration: Sendable {
    public var server = ServerConfiguration()
    /// Which browser origins may call the API (`--cors-origins`); any by default.
    public var cors = CORSPolicy()
    /// A libpq URI or conninfo string; several hosts allowed (with `target_session_attrs=read-write`
    /// the pool finds the primary by itself after a failover).
    public var databaseURL: String
    /// A connection that bypasses the pooler, for LISTEN and migrations (session state);
    /// nil: `databaseURL`.
    public var databaseDirectURL: String?
    /// `.unnamed` when `databaseURL` leads through a transaction pooler (`--database-pooler transaction`).
    public var databaseStatements = StatementMode.prepared
    /// nil: one connection per worker thread.
    public var databasePoolSize: Int?
    /// Reads from the replicas (`--database-read-url`, `--read-max-lag`, `--read-wait`).
    public var reads = ReadSettings()
    /// Tries of a database operation that fails transiently (1: no retry), and the first back-off
    /// in seconds (it doubles each time).
    public var databaseAttempts = 4
    public var databaseRetryDelay = 0.02
    public var migrationsDirectory = "migrations"
    /// Apply pending migrations at start (else only check them).
    public var migrateOnStart = true
    /// The OpenAPI document served at /openapi.json.
    public var openAPIPath = "openapi.json"
    /// Where swagger-ui-bundle.js and swagger-ui.css are (installed by scripts/run).
    public var docsAssetsDirectory = ".local/swagger-ui"
    /// Keys are needed (access.md); false serves everything to anyone, for local experiments.
    public var auth = true
    /// An admin key with exactly this text exists while the server runs (ADMIN_KEY).
    public var adminKey: String?
    /// Requests a second per key, with bursts of twice that; 0 is no limit.
    public var rateLimit = 0.0
    /// Seconds between reloads of the keys (a revocation elsewhere takes effect within this).
    public var keysRefreshInterval = 2.0
    /// Seconds between writes of the keys' last-use times (access.md: at most a minute stale).
    public var keysLastUseInterval = 15.0
    /// Days an event stays in the feed (`--events-retention`).
    public var eventsRetentionDays = 7.0
    /// Webhook delivery (`--webhook-timeout`, `--webhook-retry-schedule`, `--webhook-allow-private`, ...).
    public var webhooks = WebhookSettings()
    /// Threads running jobs, apart from the request workers (`--job-workers`; nil: one per core).
    public var jobWorkers: Int?
    /// Runs of a job that fails transiently (`--job-attempts`).
    public var jobAttempts = 3
    /// Seconds a running job's lease lasts without a heartbeat (`--job-lease`).
    public var jobLease = 30.0
    /// Seconds between looks for jobs queued by other servers or left by dead ones.
    public var jobPollInterval = 1.0
    /// The first back-off before a job's retry, in seconds; it doubles each time, with jitter.
    public var jobRetryDelay = 0.5
    /// Days a finished job stays listed (`--jobs-retention`; at least 1).
    public var jobsRetentionDays = 7.0
    /// Pulling sources (`--source-timeout`, `--source-retry-schedule`, `--source-allow-private`,
    /// `--source-ca-file`); the largest body is the server's upload limit.
    public var sources = SourceSettings()

    public init(databaseURL: String) {
        self.databaseURL = databaseURL
    }
}

/// The whole product wired together: database, routes, server.
public final class Application: Sendable {
    public let configuration: AppConfiguration
    public let server: Server
    /// Every route the server answers, as the route table states them.
    public let routes: [Route]
    public let database: Database
    public let reads: ReplicaReads
    public let keys: KeyCache
    public let eventNotifier: EventNotifier
    public let eventRetention: EventRetention
    public let webhooks: WebhookDispatcher
    public let jobRunners: JobRunners
    public let jobRetention: JobRetention
    public let sourceScheduler: SourceScheduler

    public init(_ configuration: AppConfiguration) {
        self.configuration = configuration
        var poolConfiguration = PostgresPool.Configuration(url: configuration.databaseURL)
        poolConfiguration.size = configuration.databasePoolSize ?? configuration.server.workerThreads
        poolConfiguration.maxAttempts = max(1, configuration.databaseAttempts)
        poolConfiguration.retryBaseDelay = configuration.databaseRetryDelay
        poolConfiguration.statements = configuration.databaseStatements
        let directURL = configuration.databaseDirectURL ?? configuration.databaseURL
        database = Database(pool: PostgresPool(poolConfiguration),
                            migrations: MigrationRunner(directory: configuration.migrationsDirectory, url: directURL))
        let router = Router()
        var serverConfiguration = configuration.server
        // Confirmation links carry their token in the path; it stays out of the log.
        serverConfiguration.accessLogRedactedPrefixes.append("/confirmations/")
        serverConfiguration.accessLogRedactedPrefixes.append(ReportLinkHandlers.sharePrefix)
        let metrics = ServerMetrics(stripes: serverConfiguration.eventLoops)
        reads = ReplicaReads(settings: configuration.reads, primary: database.pool) { url in
            var replica = poolConfiguration
            replica.url = url
            return PostgresPool(replica)
        }
        metrics.extraProviders.append { [database, reads] in database.metricsText() + reads.metricsText() }
        let keysRepository = KeysRepository(pool: database.pool)
        keys = KeyCache(repository: keysRepository, adminKey: configuration.adminKey.flatMap(KeyToken.init),
                        refreshInterval: configuration.keysRefreshInterval, recordInterval: configuration.keysLastUseInterval)
        eventNotifier = EventNotifier(url: directURL)
        eventRetention = EventRetention(pool: database.pool, days: configuration.eventsRetentionDays)
        var webhookSettings = configuration.webhooks
        webhookSettings.retentionDays = configuration.eventsRetentionDays
        webhooks = WebhookDispatcher(settings: webhookSettings, databaseURL: configuration.databaseURL,
                                     statements: configuration.databaseStatements, notifier: eventNotifier,
                                     isReady: { [database] in database.isMigrated })
        metrics.extraProviders.append { [webhooks] in webhooks.metricsText() }
        var runners = JobRunners.Configuration()
        if let workers = configuration.jobWorkers { runners.workers = workers }
        runners.attempts = max(1, configuration.jobAttempts)
        runners.lease = configuration.jobLease
        runners.pollInterval = configuration.jobPollInterval
        runners.retryDelay = configuration.jobRetryDelay
        // A pool of their own, so jobs never take the request workers' connections: each runner
        // holds one for its work's transaction and one to read the stored body; one for the heartbeat.
        var jobPool = poolConfiguration
        jobPool.size = 2 * max(0, runners.workers) + 2
        jobPool.acquireTimeout = 10
        let jobsPool = PostgresPool(jobPool)
        let database = database
        var sourceSettings = configuration.sources
        sourceSettings.maxBodyBytes = configuration.server.maxBodyBytes
        jobRunners = JobRunners(configuration: runners, repository: JobsRepository(pool: jobsPool),
                                works: JobWorks.make(pool: jobsPool, sources: sourceSettings), isReady: { database.isMigrated })
        let sourcesRepository = SourcesRepository(pool: database.pool)
        sourceScheduler = SourceScheduler(repository: sourcesRepository, interval: sourceSettings.pollInterval,
                                          isReady: { database.isMigrated }, queued: { [jobRunners] in jobRunners.wake() })
        metrics.extraProviders.append { database.isMigrated ? ((try? sourcesRepository.metricsText()) ?? "") : "" }
        let jobsRepository = JobsRepository(pool: database.pool)
        jobRetention = JobRetention(repository: jobsRepository, days: configuration.jobsRetentionDays)
        if runners.workers > 0 { eventNotifier.subscribe { [jobRunners] _ in jobRunners.somethingCommitted() } }
        Routes.register(on: router, data: DataAccess(database: database, reads: reads), metrics: metrics,
                        docs: DocsHandlers(specPath: configuration.openAPIPath, assetsDirectory: configuration.docsAssetsDirectory),
                        keys: KeyHandlers(repository: keysRepository, cache: keys),
                        events: EventFeedHandler(notifier: eventNotifier),
                        webhooks: WebhookHandlers(pool: database.pool, dispatcher: webhooks),
                        jobs: JobHandlers(repository: jobsRepository),
                        sources: SourceHandlers(pool: database.pool, settings: sourceSettings, wake: { [jobRunners] in jobRunners.wake() }),
                        jobIntake: JobIntake(repository: jobsRepository, wake: { [jobRunners] in jobRunners.wake() }))
        routes = router.routes
        let gate = configuration.auth ? AccessGate(cache: keys, rateLimit: configuration.rateLimit) : nil
        let responder = RouterResponder(router: router, gate: gate, cors: configuration.cors,
                                        redactedPrefixes: serverConfiguration.accessLogRedactedPrefixes)
        server = Server(configuration: serverConfiguration, responder: responder, metrics: metrics)
    }

    public var port: UInt16 { server.port }

    /// Migrates (or checks), then serves. Refuses to start when an applied migration changed.
    public func start() throws {
        try database.prepareSchema(apply: configuration.migrateOnStart)
        if !database.isMigrated { database.watchSchema(apply: configuration.migrateOnStart) }
        if configuration.auth {
            // Loaded before the first request when the database is up; else the keys thread keeps trying.
            if database.isMigrated { try? keys.refresh() }
            keys.start()
        }
        reads.start()
        eventNotifier.start()
        eventRetention.start()
        webhooks.start()
        jobRunners.start()
        jobRetention.start()
        sourceScheduler.start()
        try server.start()
    }

    public func stop() {
        server.shutdown()
        sourceScheduler.stop()
        jobRunners.stop()
        jobRetention.stop()
        keys.stop()
        reads.stop()
        eventNotifier.stop()
        eventRetention.stop()
        webhooks.stop()
    }
}
