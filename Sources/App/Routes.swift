import HTTP

/// The one table of every endpoint the server has.
public enum Routes {
    static func register(on router: Router, database: Database, metrics: ServerMetrics) {
        router.add(.GET, "/healthz", execution: .eventLoop, HealthHandlers.healthz)
        router.add(.GET, "/readyz", HealthHandlers.readyz { database.readiness() })
        router.add(.GET, "/metrics", HealthHandlers.metrics(metrics))
    }
}
