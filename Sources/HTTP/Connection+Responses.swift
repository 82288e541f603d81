import CLinux
import Glibc
import Locks

/// Answers: the head, chunked streams, writing with writev, the end of an exchange.
extension Connection {
    func responseReady(_ exchange: Exchange, _ response: Response, stream: ResponseStream? = nil) {
        guard !closed, self.exchange === exchange, !exchange.responseQueued else {
            stream?.close()  // nobody will send its chunks: let the producer stop
            return
        }
        if let stream { exchange.stream = stream }
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

    func queueResponse(_ exchange: Exchange, _ response: Response, close: Bool = false) {
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
        if response.push != nil && sendsBody && exchange.version == .http11 {
            // The loop itself writes the chunks; the stream only marks the body as chunked.
            exchange.stream = ResponseStream(bounded: false) { _ in }
            exchange.pushStream = PushStream(loop: loop, connection: self, exchange: exchange)
        }
        output.append(head(of: response, exchange))
        if sendsBody && !response.body.isEmpty && exchange.stream == nil { output.append(response.body) }

        let seconds = loop.now - exchange.started
        let path = exchange.target
        loop.context.metrics.record(stripe: loop.index, method: exchange.method, route: exchange.route,
                                    status: response.status, seconds: seconds)
        loop.accessLog.record(method: exchange.method, path: path, status: response.status,
                              bytes: sendsBody ? response.body.count : 0, seconds: monotonicNow() - exchange.started,
                              requestId: exchange.requestId, trace: exchange.trace, callerId: exchange.keyId)
        flush()
        // (HTTP/1.0 has no chunked framing: such a client got an empty body instead.)
        if let open = response.push, let stream = exchange.pushStream, !closed {
            open(stream)
        }
    }

    func head(of response: Response, _ exchange: Exchange) -> [UInt8] {
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
        add("traceresponse: ")
        exchange.trace.append(to: &out)
        out.append(0x0D); out.append(0x0A)
        for (name, value) in exchange.planHeaders { field(name, value) }
        if closeAfterWrite {
            field("Connection", "close")
        } else if exchange.version == .http10 {
            field("Connection", "keep-alive")
        }
        if exchange.addsOriginHeaders, let origin = exchange.origin {
            var originHeaders = Headers()
            context.responder.addOriginHeaders(&originHeaders, origin: origin)
            for header in originHeaders { field(header.name, header.value) }
        }
        out.append(0x0D)
        out.append(0x0A)
        return out
    }

    static let commonStatusLines: [Int: String] = Dictionary(uniqueKeysWithValues:
        [200, 201, 202, 204, 304, 400, 404, 405, 409, 410, 412, 413, 500, 503].map { ($0, "HTTP/1.1 \($0) \(HTTPStatus.reason($0))\r\n") })

    static func statusLine(_ status: Int) -> String {
        commonStatusLines[status] ?? "HTTP/1.1 \(status) \(HTTPStatus.reason(status))\r\n"
    }

    func flush() {
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

    func outputDrained() {
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

    func complete(_ exchange: Exchange) {
        self.exchange = nil
        headStarted = loop.now
        if closeAfterWrite || loop.draining || peerClosed {
            closeOrLinger()
            return
        }
        if end > start { process() }
    }
}
