import HTTP

/// The whole product wired together: routes, database, server.
public final class Application: @unchecked Sendable {
    public let server: Server

    public init(server configuration: ServerConfiguration) {
        let router = Router()
        server = Server(configuration: configuration, router: router)
        Routes.register(on: router, metrics: server.metrics)
    }

    public var port: UInt16 { server.port }

    public func start() throws {
        try server.start()
    }

    public func stop() {
        server.shutdown()
    }
}
