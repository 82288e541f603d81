/// What every event loop of one server shares.
final class ServerContext: Sendable {
    let configuration: ServerConfiguration
    /// What answers each request (the route table, in Insikt).
    let responder: any Responder
    let workers: WorkerPool
    let metrics: ServerMetrics
    let parser: RequestHeadParser

    init(configuration: ServerConfiguration, responder: any Responder, workers: WorkerPool, metrics: ServerMetrics) {
        self.configuration = configuration
        self.responder = responder
        self.workers = workers
        self.metrics = metrics
        self.parser = RequestHeadParser(maxRequestLine: configuration.maxRequestLine,
                                        maxHeadBytes: configuration.maxHeadBytes,
                                        maxHeaderCount: configuration.maxHeaderCount)
    }
}
