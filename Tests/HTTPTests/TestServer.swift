import Foundation
import Glibc
import HTTP
import Routing

/// A server with routes made for exercising the engine, no database involved.
enum TestServer {
    static func makeRouter() -> Router {
        let router = Router()
        router.add(.GET, "/hello", access: .open, execution: .eventLoop) { _ in .text(200, "hello") }
        router.add(.GET, "/large", access: .open) { _ in .text(200, String(repeating: "insikt ", count: 1000)) }
        router.add(.GET, "/large-negotiated", access: .open) { _ in
            var response = Response.text(200, String(repeating: "insikt ", count: 1000))
            response.headers.add("Vary", "Accept")
            return response
        }
        router.add(.GET, "/nothing", access: .open) { _ in .empty(204) }
        router.add(.POST, "/echo", access: .open) { request in
            let body = try request.body.readAll()
            return Response(status: 200, contentType: "application/octet-stream", body: body)
        }
        router.add(.POST, "/count", access: .open) { request in
            var total = 0
            while let chunk = try request.body.read() { total += chunk.count }
            return .text(200, "\(total)")
        }
        router.add(.POST, "/ignore", access: .open) { _ in .text(200, "ignored") }
        router.add(.GET, "/items/{id:int}", access: .open) { request in .text(200, "item \(try request.parameters.int("id"))") }
        router.add(.PATCH, "/items/{id:int}", access: .open) { request in .text(200, "patched \(try request.parameters.int("id"))") }
        // A handler that names a parameter its route does not have (a typo).
        router.add(.GET, "/typo/{id:int}", access: .open) { request in .text(200, "typo \(try request.parameters.int("ident"))") }
        router.add(.DELETE, "/items/{id:int}", access: .open) { _ in .empty(204) }
        router.add(.GET, "/items/special", access: .open) { _ in .text(200, "special") }
        router.add(.GET, "/slow", access: .open) { request in
            let seconds = Double(try request.queryItems().first { $0.name == "s" }?.value ?? "0.5") ?? 0.5
            usleep(UInt32(seconds * 1_000_000))
            return .text(200, "slow")
        }
        router.add(.GET, "/fail", access: .open) { _ in
            struct Secret: Error { let sql = "SELECT secret FROM internals" }
            throw Secret()
        }
        router.add(.GET, "/stream", access: .open) { request in
            let pieces = Int(try request.queryItems().first { $0.name == "n" }?.value ?? "3") ?? 3
            return .streamed(contentType: "text/plain; charset=utf-8") { stream in
                for i in 0..<pieces { try stream.write(Array("piece \(i)\n".utf8)) }
            }
        }
        router.add(.GET, "/stream-large", access: .open) { _ in
            .streamed(contentType: "application/octet-stream") { stream in
                for _ in 0..<64 { try stream.write([UInt8](repeating: 7, count: 1 << 20)) }
            }
        }
        router.add(.GET, "/query", access: .open) { request in
            .text(200, try request.queryItems().map { "\($0.name)=\($0.value)" }.joined(separator: "&"))
        }
        router.add(.GET, "/later", access: .open, nonBlocking: TestServer.answerLater)
        router.add(.GET, "/at-once", access: .open, nonBlocking: { _, _, respond in respond(.success(.text(200, "at once"))) })
        router.add(.GET, "/at-once-fail", access: .open, nonBlocking: { _, _, respond in
            respond(.failure(HTTPError(409, "Refused at once.")))
        })
        return router
    }

    /// A non-blocking handler that answers when another thread writes to a pipe the loop watches,
    /// `ms` milliseconds later, as a database reply would come.
    static let answerLater: NonBlockingHandler = { request, loop, respond in
        let milliseconds = Int((try? request.queryItems().first { $0.name == "ms" }?.value).flatMap { Int($0) } ?? 20)
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return respond(.failure(HTTPError(500, "no pipe"))) }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        loop.watch(readEnd, writable: false) {
            loop.unwatch(readEnd)
            close(readEnd)
            respond(.success(.text(200, "later \(milliseconds)")))
        }
        Thread.detachNewThread {
            usleep(UInt32(milliseconds * 1000))
            var byte: UInt8 = 1
            _ = write(writeEnd, &byte, 1)
            close(writeEnd)
        }
    }

    /// A started server; `configure` adjusts the limits for one test.
    static func start(cors: CORSPolicy = CORSPolicy(), _ configure: (inout ServerConfiguration) -> Void = { _ in }) throws -> Server {
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.host = "127.0.0.1"
        configuration.accessLog = .off
        configuration.workerThreads = 4
        configure(&configuration)
        let router = makeRouter()
        let metrics = ServerMetrics(stripes: configuration.eventLoops)
        router.add(.GET, "/metrics", access: .open, execution: .eventLoop) { _ in
            Response(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: Array(metrics.render().utf8))
        }
        let server = Server(configuration: configuration, responder: RouterResponder(router: router, cors: cors), metrics: metrics)
        try server.start()
        return server
    }

    /// The server most tests share.
    static let shared: Server = try! start()
    static var port: UInt16 { shared.port }
}

