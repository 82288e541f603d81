import CLinux
import Glibc

/// One client connection, driven by its event loop: reads bytes, parses heads, feeds bodies,
/// dispatches to the router, writes responses in order. Requests are served one at a time, so
/// pipelined requests wait in the read buffer and their answers leave in order.
final class Connection {
    let fd: Int32
    unowned let loop: EventLoop
    private var context: ServerContext { loop.context }
    private var configuration: ServerConfiguration { loop.context.configuration }

    private var buffer: UnsafeMutablePointer<UInt8>?
    private var capacity = 0
    private var start = 0
    private var end = 0
    private var searched = 0
    private static let initialCapacity = 8 * 1024
    private static let bodyCapacity = 64 * 1024
    private var maxCapacity: Int { configuration.maxHeadBytes + configuration.maxRequestLine + 8 * 1024 }

    private var exchange: Exchange?
    private var output: [[UInt8]] = []
    private var outputOffset = 0
    private var closeAfterWrite = false
    private var readPaused = false
    private var peerClosed = false
    private var lingering = false
    private var lingerDeadline = 0.0
    private var interest = EPOLLIN.rawValue
    private var headStarted: Double
    private var lastActivity: Double
    private var lastWriteProgress: Double
    private(set) var closed = false

    init(fd: Int32, loop: EventLoop) {
        self.fd = fd
        self.loop = loop
        headStarted = loop.now
        lastActivity = loop.now
        lastWriteProgress = loop.now
    }

    deinit {
        buffer?.deallocate()
    }

    // MARK: events

    func handle(events: UInt32) {
        if events & (EPOLLIN.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 {
            if events & EPOLLERR.rawValue != 0 { close(); return }
            readable()
        }
        if !closed && events & EPOLLOUT.rawValue != 0 { flush() }
        if !closed { updateInterest() }
    }

    private func readable() {
        if lingering { discardInput(); return }
        if buffer == nil {
            capacity = Connection.initialCapacity
            buffer = .allocate(capacity: capacity)
        }
        if let exchange, !exchange.bodyDone, start == end, capacity < Connection.bodyCapacity {
            start = 0
            end = 0
            grow(to: Connection.bodyCapacity)
        }
        if end == capacity {
            if start > 0 {
                compact()
            } else {
                let limit = exchange.map { !$0.bodyDone } == true ? max(maxCapacity, Connection.bodyCapacity) : maxCapacity
                guard capacity < limit else { return }
                grow(to: min(capacity * 2, limit))
            }
        }
        let n = Glibc.read(fd, buffer! + end, capacity - end)
        if n > 0 {
            if exchange == nil && start == end { headStarted = loop.now }
            end += n
            lastActivity = loop.now
            process()
        } else if n == 0 {
            peerClosed = true
            peerFinished()
        } else if errno != EAGAIN && errno != EINTR {
            close()
        }
    }

    /// The client closed its sending side.
    private func peerFinished() {
        guard let exchange else { close(); return }
        if !exchange.bodyDone {
            bodyFailed(exchange, HTTPError(400, "The connection ended before the body was complete.", closeConnection: true))
        }
        closeAfterWrite = true
        if exchange.responseWritten { close() }
    }

    private func compact() {
        let remaining = end - start
        if remaining > 0 { memmove(buffer!, buffer! + start, remaining) }
        searched = max(0, searched - start)
        start = 0
        end = remaining
    }

    private func grow(to newCapacity: Int) {
        let newBuffer = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        if end > start { newBuffer.update(from: buffer! + start, count: end - start) }
        buffer?.deallocate()
        buffer = newBuffer
        searched = max(0, searched - start)
        end -= start
        start = 0
        capacity = newCapacity
    }

    private func discardInput() {
        let n = loop.discardBuffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) { close() }
    }

    // MARK: requests

    private func process() {
        while !closed && !lingering {
            if let exchange {
                if exchange.bodyDone || readPaused || end == start { return }
                feedBody(exchange)
            } else {
                if end == start || closeAfterWrite { return }
                if !parseHead() { return }
            }
        }
    }

    private func parseHead() -> Bool {
        let result = context.parser.parse(UnsafeBufferPointer(start: buffer! + start, count: end - start), searched: &searched)
        switch result {
        case .incomplete:
            return false
        case let .failure(error):
            start = end
            queueResponse(Exchange.unparsed(requestId: loop.requestIDs.next(), now: loop.now), error.response, close: true)
            return false
        case let .complete(head, consumed):
            start += consumed
            if start == end { start = 0; end = 0 }
            begin(head)
            return true
        }
    }

    private func begin(_ head: RequestHead) {
        let clientID = head.headers.first("X-Request-Id")
        let requestId = clientID.flatMap { RequestIDGenerator.isAcceptable($0) ? $0 : nil } ?? loop.requestIDs.next()
        let framing: RequestFraming
        switch RequestFraming.analyze(head) {
        case let .failure(error):
            let exchange = Exchange(method: head.method, target: head.target, version: head.version, requestId: requestId,
                                    started: loop.now, keepAlive: false, origin: head.headers.first("Origin"),
                                    acceptEncoding: nil, bodyDone: true)
            self.exchange = exchange
            start = end
            queueResponse(exchange, error.response, close: true)
            return
        case let .success(value):
            framing = value
        }
        let exchange = Exchange(method: head.method, target: head.target, version: head.version, requestId: requestId,
                                started: loop.now, keepAlive: framing.keepAlive, origin: head.headers.first("Origin"),
                                acceptEncoding: head.headers.first("Accept-Encoding"), bodyDone: !framing.hasBody)
        self.exchange = exchange
        if framing.hasBody {
            exchange.decoder = BodyDecoder(framing: framing, maxBody: configuration.maxBodyBytes,
                                           maxInflated: configuration.maxInflatedBytes)
            if case let .fixed(length) = framing.length {
                exchange.drainAllowed = length <= 64 * 1024 && !framing.expectContinue
                if length > configuration.maxBodyBytes {
                    queueResponse(exchange, RequestBody.tooLarge(Int(configuration.maxBodyBytes)).response, close: true)
                    return
                }
            }
        }

        guard let (path, query) = splitTarget(head.target, method: head.method) else {
            queueResponse(exchange, HTTPError(400, "Malformed request target.").response)
            return
        }
        if path == "*" {
            var response = Response(status: 200)
            response.headers.add("Allow", context.router.allMethodsHeader)
            queueResponse(exchange, response)
            return
        }
        switch context.router.resolve(head.method, path: path) {
        case .notFound:
            queueResponse(exchange, HTTPError.notFound().response)
        case .badPath:
            queueResponse(exchange, HTTPError(400, "The path is not valid percent-encoded UTF-8.").response)
        case let .methodNotAllowed(allow):
            var headers = Headers()
            headers.add("Allow", allow)
            queueResponse(exchange, HTTPError(405, "\(head.method) is not allowed here; see Allow.", headers: headers).response)
        case let .options(allow):
            if let origin = exchange.origin, head.headers.contains("Access-Control-Request-Method"),
               configuration.cors.allows(origin) {
                let preflight = configuration.cors.preflight(origin: origin,
                                                             requestedHeaders: head.headers.first("Access-Control-Request-Headers"),
                                                             allow: allow)
                queueResponse(exchange, preflight, cors: false)
            } else {
                var response = Response(status: 200)
                response.headers.add("Allow", allow)
                queueResponse(exchange, response)
            }
        case let .route(route, parameters):
            exchange.route = route.template
            dispatch(route, parameters, head, path: path, query: query, framing: framing, exchange: exchange)
        }
    }

    private func splitTarget(_ target: String, method: HTTPMethod) -> (String, String?)? {
        if target == "*" { return method == .OPTIONS ? ("*", nil) : nil }
        var rest = Substring(target)
        if !rest.hasPrefix("/") {
            guard let schemeEnd = rest.range(of: "://") else { return nil }
            rest = rest[schemeEnd.upperBound...]
            guard let slash = rest.firstIndex(of: "/") else { return ("/", nil) }
            rest = rest[slash...]
        }
        if let mark = rest.firstIndex(of: "?") {
            return (String(rest[..<mark]), String(rest[rest.index(after: mark)...]))
        }
        return (String(rest), nil)
    }

    private func dispatch(_ route: Route, _ parameters: PathParameters, _ head: RequestHead, path: String, query: String?,
                          framing: RequestFraming, exchange: Exchange) {
        let body: RequestBody
        if framing.hasBody {
            var declared: Int64?
            if case let .fixed(n) = framing.length, framing.coding == .identity { declared = n }
            body = RequestBody(declaredLength: declared)
            exchange.sink = body
            body.onSpaceAvailable = { [loop, weak self] in
                guard let self else { return }
                loop.post(.resume(self, exchange))
            }
            if framing.expectContinue && end == start {
                output.append(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
                flush()
            }
        } else {
            body = RequestBody.empty()
        }
        let request = Request(method: head.method, path: path, query: query, headers: head.headers, body: body,
                              requestId: exchange.requestId, parameters: parameters)
        let threshold = configuration.compressionThreshold
        if route.execution == .eventLoop && !framing.hasBody {
            queueResponse(exchange, Connection.run(route, request, acceptEncoding: exchange.acceptEncoding, threshold: threshold))
            return
        }
        let accepted = context.workers.submit { [loop, weak self] in
            var response = Connection.run(route, request, acceptEncoding: exchange.acceptEncoding, threshold: threshold)
            guard let self else { return }
            guard let producer = response.producer else {
                loop.post(.response(self, exchange, response))
                return
            }
            if exchange.version == .http10 {
                // No chunked framing for HTTP/1.0: collect the body whole.
                var collected: [UInt8] = []
                let collector = ResponseStream(bounded: false) { collected.append(contentsOf: $0) }
                do { try producer(collector) } catch {
                    response = Connection.failure(error, request)
                }
                response.producer = nil
                if response.body.isEmpty { response.body = collected }
                loop.post(.response(self, exchange, response))
                return
            }
            let stream = ResponseStream { [weak self] bytes in
                guard let self else { return }
                loop.post(.chunk(self, exchange, bytes))
            }
            exchange.stream = stream
            loop.post(.response(self, exchange, response))
            guard request.method != .HEAD else {
                loop.post(.streamEnd(self, exchange, failed: false))
                return
            }
            var failed = false
            do { try producer(stream) } catch is ResponseStream.Closed {
                failed = true
            } catch {
                ServerLog.error("request \(request.requestId) \(request.method) \(request.path) failed while streaming: \(error)")
                failed = true
            }
            loop.post(.streamEnd(self, exchange, failed: failed))
        }
        if !accepted {
            queueResponse(exchange, HTTPError.unavailable("The server is busy; try again shortly.").response)
        }
    }

    /// Runs a handler and turns whatever it throws into a problem response.
    static func run(_ route: Route, _ request: Request, acceptEncoding: String?, threshold: Int) -> Response {
        var response: Response
        do {
            response = try route.handler(request)
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
        ServerLog.error("request \(request.requestId) \(request.method) \(request.path) failed: \(error)")
        return HTTPError(500, "The server failed to answer; the request id identifies it in the log.").response
    }

    private func feedBody(_ exchange: Exchange) {
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
    private func bodyFailed(_ exchange: Exchange, _ error: HTTPError) {
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

    // MARK: responses

    func responseReady(_ exchange: Exchange, _ response: Response) {
        guard !closed, self.exchange === exchange, !exchange.responseQueued else { return }
        queueResponse(exchange, response)
        if !closed { updateInterest() }
    }

    func chunkReady(_ exchange: Exchange, _ bytes: [UInt8]) {
        guard !closed, self.exchange === exchange, exchange.exchangeStreaming else {
            exchange.stream?.close()  // nobody will send these: let the producer stop
            return
        }
        var framed = Array(String(bytes.count, radix: 16).utf8)
        framed.reserveCapacity(framed.count + bytes.count + 4)
        framed.append(0x0D); framed.append(0x0A)
        framed.append(contentsOf: bytes)
        framed.append(0x0D); framed.append(0x0A)
        exchange.streamUnsent += bytes.count
        output.append(framed)
        flush()
        if !closed { updateInterest() }
    }

    func streamEnded(_ exchange: Exchange, failed: Bool) {
        guard !closed, self.exchange === exchange, exchange.stream != nil else { return }
        if failed {
            // The head is out already; all that is left is to cut the connection short.
            close()
            return
        }
        exchange.streamFinished = true
        if exchange.exchangeStreaming { output.append(Array("0\r\n\r\n".utf8)) }
        flush()
        if !closed { updateInterest() }
    }

    private func queueResponse(_ exchange: Exchange, _ response: Response, close: Bool = false, cors: Bool = true) {
        exchange.responseQueued = true
        if !exchange.bodyDone {
            exchange.sink?.abandon()
            exchange.sink = nil
            readPaused = false
            if !exchange.drainAllowed { closeAfterWrite = true }
        }
        if close || !exchange.keepAlive || loop.draining || response.headers.first("Connection") == "close" {
            closeAfterWrite = true
        }
        if self.exchange == nil { self.exchange = exchange }

        let sendsBody = !HTTPStatus.forbidsBody(response.status) && exchange.method != .HEAD
        if response.producer == nil { exchange.stream = nil }
        output.append(head(of: response, exchange, cors: cors))
        if sendsBody && !response.body.isEmpty && exchange.stream == nil { output.append(response.body) }

        let seconds = loop.now - exchange.started
        let path = exchange.target
        loop.context.metrics.record(stripe: loop.index, method: exchange.method, route: exchange.route,
                                    status: response.status, seconds: seconds)
        loop.accessLog.record(method: exchange.method, path: path, status: response.status,
                              bytes: sendsBody ? response.body.count : 0, seconds: monotonicNow() - exchange.started,
                              requestId: exchange.requestId)
        flush()
    }

    private func head(of response: Response, _ exchange: Exchange, cors: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        func add(_ text: String) { out.append(contentsOf: text.utf8) }
        func field(_ name: String, _ value: String) {
            add(name); out.append(UInt8(ascii: ":")); out.append(0x20); add(value); out.append(0x0D); out.append(0x0A)
        }
        add(Connection.statusLine(response.status))
        field("Date", loop.dateCache.current())
        for header in response.headers where !Headers.equalsIgnoringCase(header.name, "Connection") {
            field(header.name, header.value)
        }
        if exchange.stream != nil {
            field("Transfer-Encoding", "chunked")
        } else if !HTTPStatus.forbidsBody(response.status) {
            field("Content-Length", String(response.body.count))
        }
        field("X-Request-Id", exchange.requestId)
        if closeAfterWrite {
            field("Connection", "close")
        } else if exchange.version == .http10 {
            field("Connection", "keep-alive")
        }
        if cors, let origin = exchange.origin {
            var corsHeaders = Headers()
            configuration.cors.decorate(&corsHeaders, origin: origin)
            for header in corsHeaders { field(header.name, header.value) }
        }
        out.append(0x0D)
        out.append(0x0A)
        return out
    }

    private static let commonStatusLines: [Int: String] = Dictionary(uniqueKeysWithValues:
        [200, 201, 202, 204, 304, 400, 404, 405, 409, 410, 412, 413, 500, 503].map { ($0, "HTTP/1.1 \($0) \(HTTPStatus.reason($0))\r\n") })

    static func statusLine(_ status: Int) -> String {
        commonStatusLines[status] ?? "HTTP/1.1 \(status) \(HTTPStatus.reason(status))\r\n"
    }

    private func flush() {
        while !output.isEmpty {
            let written: Int
            if output.count >= 2 {
                written = output[0].withUnsafeBytes { first in
                    output[1].withUnsafeBytes { second in
                        var vectors = [
                            iovec(iov_base: UnsafeMutableRawPointer(mutating: first.baseAddress! + outputOffset),
                                  iov_len: first.count - outputOffset),
                            iovec(iov_base: UnsafeMutableRawPointer(mutating: second.baseAddress!), iov_len: second.count),
                        ]
                        return writev(fd, &vectors, 2)
                    }
                }
            } else {
                written = output[0].withUnsafeBytes { first in
                    Glibc.send(fd, first.baseAddress! + outputOffset, first.count - outputOffset, Int32(MSG_NOSIGNAL))
                }
            }
            if written < 0 {
                if errno == EAGAIN || errno == EINTR { return }
                close()
                return
            }
            lastWriteProgress = loop.now
            var remaining = written
            while remaining > 0 {
                let left = output[0].count - outputOffset
                if remaining >= left {
                    remaining -= left
                    output.removeFirst()
                    outputOffset = 0
                } else {
                    outputOffset += remaining
                    remaining = 0
                }
            }
        }
        outputDrained()
    }

    private func outputDrained() {
        guard let exchange, exchange.responseQueued, !exchange.responseWritten else { return }
        if let stream = exchange.stream {
            if exchange.streamUnsent > 0 {
                stream.sent(exchange.streamUnsent)
                exchange.streamUnsent = 0
            }
            guard exchange.streamFinished else { return }
        }
        exchange.responseWritten = true
        lastActivity = loop.now
        if closeAfterWrite {
            closeOrLinger()
        } else if exchange.bodyDone {
            complete(exchange)
        }
    }

    private func complete(_ exchange: Exchange) {
        self.exchange = nil
        headStarted = loop.now
        if closeAfterWrite || loop.draining || peerClosed {
            closeOrLinger()
            return
        }
        if end > start { process() }
    }

    // MARK: closing and timers

    /// Closes now, or, when the client may still be sending, shuts down our side first and
    /// reads what comes for a moment, so the client sees our answer instead of a reset.
    private func closeOrLinger() {
        guard !closed, !lingering else { return }
        let unread = end > start || exchange.map { !$0.bodyDone } == true
        if !unread || peerClosed {
            close()
            return
        }
        lingering = true
        lingerDeadline = loop.now + 2
        exchange?.sink?.abandon()
        shutdown(fd, Int32(SHUT_WR))
        start = 0
        end = 0
        updateInterest()
    }

    func closeIfIdle() {
        if exchange == nil && output.isEmpty { close() }
    }

    func close() {
        guard !closed else { return }
        closed = true
        exchange?.sink?.fail(HTTPError(400, "The client closed the connection.", closeConnection: true))
        exchange?.stream?.close()
        Glibc.close(fd)
        loop.connectionClosed(fd)
        buffer?.deallocate()
        buffer = nil
    }

    private func updateInterest() {
        guard !closed else { return }
        var wanted: UInt32 = 0
        let roomToRead = end - start < maxCapacity
        if !peerClosed && (lingering || (!readPaused && roomToRead)) { wanted |= EPOLLIN.rawValue }
        if !output.isEmpty { wanted |= EPOLLOUT.rawValue }
        if wanted != interest {
            interest = wanted
            loop.modify(fd, events: wanted)
        }
    }

    func sweep() {
        guard !closed else { return }
        let now = loop.now
        if lingering {
            if now > lingerDeadline { close() }
            return
        }
        if !output.isEmpty && now - lastWriteProgress > configuration.writeTimeout {
            close()
            return
        }
        if let exchange {
            if !exchange.bodyDone && !readPaused && now - exchange.lastBodyActivity > configuration.bodyTimeout {
                if exchange.responseQueued { close(); return }
                bodyFailed(exchange, HTTPError(408, "No body bytes arrived for \(Int(configuration.bodyTimeout)) s.",
                                               closeConnection: true))
                updateInterest()
            }
        } else if end > start {
            if now - headStarted > configuration.headTimeout {
                start = end
                queueResponse(Exchange.unparsed(requestId: loop.requestIDs.next(), now: now),
                              HTTPError(408, "The request head did not arrive within \(Int(configuration.headTimeout)) s.").response,
                              close: true)
                if !closed { updateInterest() }
            }
        } else if output.isEmpty {
            if now - lastActivity > configuration.idleTimeout {
                close()
            } else if buffer != nil && now - lastActivity > 2 {
                buffer!.deallocate()
                buffer = nil
                capacity = 0
                start = 0
                end = 0
                searched = 0
            }
        }
    }
}
