import HTTP

/// The one table of every endpoint the server has.
enum Routes {
    static func register(on router: Router, metrics: ServerMetrics) {
        router.add(.GET, "/healthz", execution: .eventLoop, HealthHandlers.healthz)
        router.add(.GET, "/readyz", execution: .eventLoop, HealthHandlers.readyz { (true, "") })
        router.add(.GET, "/metrics", execution: .eventLoop, HealthHandlers.metrics(metrics))
    }
}
