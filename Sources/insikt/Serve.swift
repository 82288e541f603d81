import App
import ArgumentParser
import Events
import Foundation
import HTTP
import Outgoing

/// `insikt serve`: its options are the rows of `ServeSettings` (and `DatabaseOptions`).
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the HTTP API.")
    typealias S = ServeSettings

    @Option(name: S.host.name, help: S.host.help)
    var host: String?

    @Option(name: S.port.name, help: S.port.help)
    var port: UInt16?

    @Option(name: S.eventLoops.name, help: S.eventLoops.help)
    var eventLoops: Int?

    @Option(name: S.workerThreads.name, help: S.workerThreads.help)
    var workerThreads: Int?

    @Option(name: S.maxBodyBytes.name, help: S.maxBodyBytes.help)
    var maxBodyBytes: Int64?

    @Option(name: S.maxInflatedBytes.name, help: S.maxInflatedBytes.help)
    var maxInflatedBytes: Int64?

    @Option(name: S.maxConnections.name, help: S.maxConnections.help)
    var maxConnections: Int?

    @Option(name: S.headTimeout.name, help: S.headTimeout.help)
    var headTimeout: Double?

    @Option(name: S.bodyTimeout.name, help: S.bodyTimeout.help)
    var bodyTimeout: Double?

    @Option(name: S.idleTimeout.name, help: S.idleTimeout.help)
    var idleTimeout: Double?

    @Option(name: S.shutdownGrace.name, help: S.shutdownGrace.help)
    var shutdownGrace: Double?

    @Option(name: S.accessLog.name, help: S.accessLog.help)
    var accessLog: ServerConfiguration.AccessLogFormat?

    @Option(name: S.corsOrigins.name, help: S.corsOrigins.help)
    var corsOrigins: String?

    @OptionGroup var database: DatabaseOptions

    @Option(name: S.dbPoolSize.name, help: S.dbPoolSize.help)
    var dbPoolSize: Int?

    @Option(name: S.databaseReadURL.name, help: S.databaseReadURL.help)
    var databaseReadURL: String?

    @Option(name: S.readMaxLag.name, help: S.readMaxLag.help)
    var readMaxLag: Double?

    @Option(name: S.readWait.name, help: S.readWait.help)
    var readWait: Double?

    @Option(name: S.dbRetryAttempts.name, help: S.dbRetryAttempts.help)
    var dbRetryAttempts: Int?

    @Option(name: S.dbRetryDelay.name, help: S.dbRetryDelay.help)
    var dbRetryDelay: Double?

    @Option(name: S.auth.name, help: S.auth.help)
    var auth: OnOff?

    @Option(name: S.adminKey.name, help: S.adminKey.help)
    var adminKey: String?

    @Option(name: S.rateLimit.name, help: S.rateLimit.help)
    var rateLimit: Double?

    @Option(name: S.eventsRetention.name, help: S.eventsRetention.help)
    var eventsRetention: Double?

    @Option(name: S.webhookTimeout.name, help: S.webhookTimeout.help)
    var webhookTimeout: Double?

    @Option(name: S.webhookRetrySchedule.name, help: S.webhookRetrySchedule.help)
    var webhookRetrySchedule: RetrySchedule?

    @Flag(name: S.webhookAllowPrivate.name, help: S.webhookAllowPrivate.help)
    var webhookAllowPrivate = false

    @Option(name: S.webhookConcurrency.name, help: S.webhookConcurrency.help)
    var webhookConcurrency: Int?

    @Option(name: S.webhookConnectTimeout.name, help: S.webhookConnectTimeout.help)
    var webhookConnectTimeout: Double?

    @Option(name: S.webhookBreakerThreshold.name, help: S.webhookBreakerThreshold.help)
    var webhookBreakerThreshold: Int?

    @Option(name: S.jobWorkers.name, help: S.jobWorkers.help)
    var jobWorkers: Int?

    @Option(name: S.jobAttempts.name, help: S.jobAttempts.help)
    var jobAttempts: Int?

    @Option(name: S.jobLease.name, help: S.jobLease.help)
    var jobLease: Double?

    @Option(name: S.jobsRetention.name, help: S.jobsRetention.help)
    var jobsRetention: Double?

    @Option(name: S.sourceTimeout.name, help: S.sourceTimeout.help)
    var sourceTimeout: Double?

    @Option(name: S.sourceRetrySchedule.name, help: S.sourceRetrySchedule.help)
    var sourceRetrySchedule: RetrySchedule?

    @Flag(name: S.sourceAllowPrivate.name, help: S.sourceAllowPrivate.help)
    var sourceAllowPrivate = false

    @Option(name: S.sourceCaFile.name, help: S.sourceCaFile.help)
    var sourceCaFile: String?

    @Flag(name: S.noMigrate.name, help: S.noMigrate.help)
    var noMigrate = false

    @Option(name: S.openapiFile.name, help: S.openapiFile.help)
    var openapiFile: String?

    @Option(name: S.docsAssetsDirectory.name, help: S.docsAssetsDirectory.help)
    var docsAssetsDirectory: String?

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        var app = AppConfiguration(databaseURL: try database.url())
        app.databaseDirectURL = try database.directURL()
        app.databaseStatements = try database.statements()
        app.migrationsDirectory = database.migrationsDirectory
        try S.host.apply(host, to: &app, environment: environment)
        try S.port.apply(port, to: &app, environment: environment)
        try S.eventLoops.apply(eventLoops, to: &app, environment: environment)
        try S.workerThreads.apply(workerThreads, to: &app, environment: environment)
        try S.maxBodyBytes.apply(maxBodyBytes, to: &app, environment: environment)
        try S.maxInflatedBytes.apply(maxInflatedBytes, to: &app, environment: environment)
        try S.maxConnections.apply(maxConnections, to: &app, environment: environment)
        try S.headTimeout.apply(headTimeout, to: &app, environment: environment)
        try S.bodyTimeout.apply(bodyTimeout, to: &app, environment: environment)
        try S.idleTimeout.apply(idleTimeout, to: &app, environment: environment)
        try S.shutdownGrace.apply(shutdownGrace, to: &app, environment: environment)
        try S.accessLog.apply(accessLog, to: &app, environment: environment)
        try S.corsOrigins.apply(corsOrigins, to: &app, environment: environment)
        try S.dbPoolSize.apply(dbPoolSize, to: &app, environment: environment)
        try S.databaseReadURL.apply(databaseReadURL, to: &app, environment: environment)
        try S.readMaxLag.apply(readMaxLag, to: &app, environment: environment)
        try S.readWait.apply(readWait, to: &app, environment: environment)
        try S.dbRetryAttempts.apply(dbRetryAttempts, to: &app, environment: environment)
        try S.dbRetryDelay.apply(dbRetryDelay, to: &app, environment: environment)
        try S.auth.apply(auth, to: &app, environment: environment)
        try S.adminKey.apply(adminKey, to: &app, environment: environment)
        try S.rateLimit.apply(rateLimit, to: &app, environment: environment)
        try S.eventsRetention.apply(eventsRetention, to: &app, environment: environment)
        try S.webhookTimeout.apply(webhookTimeout, to: &app, environment: environment)
        try S.webhookRetrySchedule.apply(webhookRetrySchedule, to: &app, environment: environment)
        S.webhookAllowPrivate.apply(webhookAllowPrivate, to: &app, environment: environment)
        try S.webhookConcurrency.apply(webhookConcurrency, to: &app, environment: environment)
        try S.webhookConnectTimeout.apply(webhookConnectTimeout, to: &app, environment: environment)
        try S.webhookBreakerThreshold.apply(webhookBreakerThreshold, to: &app, environment: environment)
        try S.jobWorkers.apply(jobWorkers, to: &app, environment: environment)
        try S.jobAttempts.apply(jobAttempts, to: &app, environment: environment)
        try S.jobLease.apply(jobLease, to: &app, environment: environment)
        try S.jobsRetention.apply(jobsRetention, to: &app, environment: environment)
        try S.sourceTimeout.apply(sourceTimeout, to: &app, environment: environment)
        try S.sourceRetrySchedule.apply(sourceRetrySchedule, to: &app, environment: environment)
        S.sourceAllowPrivate.apply(sourceAllowPrivate, to: &app, environment: environment)
        try S.sourceCaFile.apply(sourceCaFile, to: &app, environment: environment)
        S.noMigrate.apply(noMigrate, to: &app, environment: environment)
        try S.openapiFile.apply(openapiFile, to: &app, environment: environment)
        try S.docsAssetsDirectory.apply(docsAssetsDirectory, to: &app, environment: environment)

        Server.blockTerminationSignals()
        let application = Application(app)
        try application.start()
        if !app.auth {
            ServerLog.info("warning: --auth off: every route is open to anyone who reaches port \(application.port); use it only for local experiments")
        }
        ServerLog.info("insikt listening on \(app.server.host):\(application.port) with \(app.server.eventLoops) event loops")
        let signal = Server.waitForTerminationSignal()
        ServerLog.info("signal \(signal): shutting down")
        application.stop()
        ServerLog.info("stopped")
    }
}
