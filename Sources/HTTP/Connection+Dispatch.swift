import CLinux
import Foundation
import Glibc
import Locks

/// From a parsed head to a running handler: framing, routing, the worker pool, the body.
extension Connection {
    func begin(_ head: RequestHead) {
        let clientID = head.headers.first("X-Request-Id")
        let requestId = clientID.flatMap { RequestIDGenerator.isAcceptable($0) ? $0 : nil } ?? loop.requestIDs.next()
        let trace = loop.traceIDs.trace(for: head.headers.first("traceparent"))
        let framing: RequestFraming
        switch RequestFraming.analyze(head) {
        case let .failure(error):
            let exchange = Exchange(method: head.method, target: head.target, version: head.version, requestId: requestId, trace: trace,
                                    started: loop.now, keepAlive: false, origin: head.headers.first("Origin"),
                                    acceptEncoding: nil, bodyDone: true)
            self.exchange = exchange
            start = end
            queueResponse(exchange, error.response, close: true)
            return
        case let .success(value):
            framing = value
        }
        let exchange = Exchange(method: head.method, target: head.target, version: head.version, requestId: requestId, trace: trace,
                                started: loop.now, keepAlive: framing.keepAlive, origin: head.headers.first("Origin"),
                                acceptEncoding: head.headers.first("Accept-Encoding"), bodyDone: !framing.hasBody)
        self.exchange = exchange
        if framing.hasBody {
            exchange.decoder = BodyDecoder(framing: framing, maxBody: configuration.maxBodyBytes,
                                           maxInflated: configuration.maxInflatedBytes)
            if case let .fixed(length) = framing.length {
                exchange.drainAllowed = length <= 64 * 1024 && !framing.expectContinue
            }
        }

        guard let (path, query) = splitTarget(head.target, method: head.method) else {
            queueResponse(exchange, HTTPError(400, "Malformed request target.").response)
            return
        }
        let plan = context.responder.plan(head, path: path, query: query)
        exchange.route = plan.label
        exchange.keyId = plan.keyId
        exchange.planHeaders = plan.headers
        exchange.addsOriginHeaders = plan.addsOriginHeaders
        switch plan.action {
        case let .answer(response):
            queueResponse(exchange, response)
        case let .run(execution, handler):
            if case let .fixed(length) = framing.length, length > configuration.maxBodyBytes {
                queueResponse(exchange, RequestBody.tooLarge(Int(configuration.maxBodyBytes)).response, close: true)
                return
            }
            dispatch(execution, handler, attachment: plan.attachment, head, path: path, query: query, framing: framing,
                     exchange: exchange)
        }
    }

    func splitTarget(_ target: String, method: HTTPMethod) -> (String, String?)? {
        if target == "*" { return method == .OPTIONS ? ("*", nil) : nil }
        var rest = Substring(target)
        if rest.utf8.first != UInt8(ascii: "/") {
            guard let schemeEnd = rest.range(of: "://") else { return nil }
            rest = rest[schemeEnd.upperBound...]
            guard let slash = rest.utf8.firstIndex(of: UInt8(ascii: "/")) else { return ("/", nil) }
            rest = rest[slash...]
        }
        // Byte by byte: the query mark is ASCII, and Character-wise search costs far more.
        if let mark = rest.utf8.firstIndex(of: UInt8(ascii: "?")) {
            return (String(rest[..<mark]), String(rest[rest.utf8.index(after: mark)...]))
        }
        return (String(rest), nil)
    }

    func dispatch(_ execution: Execution, _ handler: @escaping Handler, attachment: (any Sendable)?, _ head: RequestHead,
                  path: String, query: String?, framing: RequestFraming, exchange: Exchange) {
        let body: RequestBody
        if framing.hasBody {
            var declared: Int64?
            if case let .fixed(n) = framing.length, framing.coding == .identity { declared = n }
            body = RequestBody(declaredLength: declared)
            exchange.sink = body
            let bound = EventLoop.BoundExchange((self, exchange), loop: loop)
            body.onSpaceAvailable { [loop] in loop.post(.resume(bound)) }
            if framing.expectContinue && end == start {
                output.append(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
                flush()
            }
        } else {
            body = RequestBody.empty()
        }
        let request = Request(method: head.method, path: path, query: query, headers: head.headers, body: body,
                              requestId: exchange.requestId, trace: exchange.trace, attachment: attachment,
                              redactedPrefixes: configuration.accessLogRedactedPrefixes)
        let threshold = configuration.compressionThreshold
        switch execution {
        case .eventLoop where !framing.hasBody:
            queueResponse(exchange, Connection.run(handler, request, acceptEncoding: exchange.acceptEncoding, threshold: threshold))
            return
        case let .nonBlocking(handler):
            startNonBlocking(handler, request, exchange: exchange)
            return
        default:
            break
        }
        let bound = EventLoop.BoundExchange((self, exchange), loop: loop)
        let acceptEncoding = exchange.acceptEncoding
        let version = exchange.version
        let accepted = context.workers.submit { [loop] in
            var response = Connection.run(handler, request, acceptEncoding: acceptEncoding, threshold: threshold)
            guard let producer = response.producer else {
                loop.post(.response(bound, response))
                return
            }
            if version == .http10 {
                // No chunked framing for HTTP/1.0: collect the body whole.
                let collected = Monitor([UInt8]())
                let collector = ResponseStream(bounded: false) { bytes in collected.withLock { $0.append(contentsOf: bytes) } }
                do { try producer(collector) } catch {
                    response = Connection.failure(error, request)
                }
                response.producer = nil
                if response.body.isEmpty { response.body = collected.withLock { $0 } }
                ResponseCompression.apply(&response, acceptEncoding: acceptEncoding, threshold: threshold)
                loop.post(.response(bound, response))
                return
            }
            let gzip = ResponseCompression.applyToStream(&response, acceptEncoding: acceptEncoding)
            let stream = ResponseStream(gzip: gzip) { bytes in loop.post(.chunk(bound, bytes)) }
            // The loop sets exchange.stream when it takes the response: the exchange is the loop's.
            loop.post(.streamedResponse(bound, response, stream))
            guard request.method != .HEAD else {
                loop.post(.streamEnd(bound, failed: false))
                return
            }
            var failed = false
            do {
                try producer(stream)
                try stream.finish()
            } catch is ResponseStream.Closed {
                failed = true
            } catch {
                ServerLog.error("request \(request.requestId) \(request.method) \(request.shownPath) failed while streaming: \(error)")
                failed = true
            }
            loop.post(.streamEnd(bound, failed: failed))
        }
        if !accepted {
            queueResponse(exchange, HTTPError.unavailable("The server is busy; try again shortly.").response)
        }
    }

    /// Starts a non-blocking handler; its answer is queued when it comes, unless the client has
    /// gone or the connection moved on.
    func startNonBlocking(_ handler: NonBlockingHandler, _ request: Request, exchange: Exchange) {
        let threshold = configuration.compressionThreshold
        var starting = true
        var answeredWhileStarting: Response?
        handler(request, loop) { [weak self] result in
            let response = Connection.response(for: result, request, acceptEncoding: exchange.acceptEncoding, threshold: threshold)
            if starting {
                answeredWhileStarting = response
            } else {
                self?.responseReady(exchange, response)
            }
        }
        starting = false
        if let answeredWhileStarting { queueResponse(exchange, answeredWhileStarting) }
    }

    /// Runs a handler and turns whatever it throws into a problem response.
    static func run(_ handler: Handler, _ request: Request, acceptEncoding: String?, threshold: Int) -> Response {
        response(for: Result { try handler(request) }, request, acceptEncoding: acceptEncoding, threshold: threshold)
    }

    /// A handler's outcome as the response to send: errors become problem responses.
    static func response(for result: Result<Response, Error>, _ request: Request, acceptEncoding: String?,
                         threshold: Int) -> Response {
        var response: Response
        do {
            response = try result.get()
        } catch let error as HTTPError {
            response = error.response
            if error.closeConnection { response.headers.add("Connection", "close") }
        } catch {
            response = failure(error, request)
        }
        if response.producer == nil {
            ResponseCompression.apply(&response, acceptEncoding: acceptEncoding, threshold: threshold)
        }
        return response
    }

    /// A 500 that shows nothing of `error`; the log has it with the request id.
    static func failure(_ error: Error, _ request: Request) -> Response {
        if let error = error as? HTTPError { return error.response }
        ServerLog.error("request \(request.requestId) \(request.method) \(request.shownPath) failed: \(error)")
        return HTTPError(500, "The server failed to answer; the request id identifies it in the log.").response
    }

    func feedBody(_ exchange: Exchange) {
        var paused = false
        let sink = exchange.sink
        do {
            let consumed = try exchange.decoder!.feed(UnsafeBufferPointer(start: buffer! + start, count: end - start)) { chunk in
                if let sink, !sink.append(chunk) { paused = true }
            }
            start += consumed
            if start == end { start = 0; end = 0 }
            exchange.lastBodyActivity = loop.now
            if paused { readPaused = true }
            if exchange.decoder!.isComplete {
                exchange.decoder = nil
                exchange.bodyDone = true
                exchange.sink?.finish()
                if exchange.responseWritten { complete(exchange) }
            }
        } catch let error as HTTPError {
            start = end
            bodyFailed(exchange, error)
        } catch {
            start = end
            bodyFailed(exchange, HTTPError(400, "Malformed body.", closeConnection: true))
        }
    }

    /// The body broke off (bad framing, too large, stalled, client gone): the handler learns it
    /// from its next read; if nobody reads the body, the engine answers itself.
    func bodyFailed(_ exchange: Exchange, _ error: HTTPError) {
        exchange.bodyDone = true
        exchange.decoder = nil
        closeAfterWrite = true
        if let sink = exchange.sink, !exchange.responseQueued {
            sink.fail(error)
        } else if !exchange.responseQueued {
            queueResponse(exchange, error.response, close: true)
        } else if exchange.responseWritten {
            closeOrLinger()
        }
    }

    func resume(_ exchange: Exchange) {
        guard !closed, self.exchange === exchange, readPaused else { return }
        readPaused = false
        process()
        if !closed { updateInterest() }
    }
}
