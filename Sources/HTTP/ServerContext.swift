/// What every event loop of one server shares.
final class ServerContext: Sendable {
    let configuration: ServerConfiguration
    /// The route table, as it was when the server started.
    let router: Router.Table
    let workers: WorkerPool
    let metrics: ServerMetrics
    let parser: RequestHeadParser
    let gate: RequestGate?

    init(configuration: ServerConfiguration, router: Router, workers: WorkerPool, metrics: ServerMetrics, gate: RequestGate?) {
        self.gate = gate
        self.configuration = configuration
        self.router = router.table
        self.workers = workers
        self.metrics = metrics
        self.parser = RequestHeadParser(maxRequestLine: configuration.maxRequestLine,
                                        maxHeadBytes: configuration.maxHeadBytes,
                                        maxHeaderCount: configuration.maxHeaderCount)
    }
}
