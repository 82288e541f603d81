import Foundation
import Glibc
import Locks

/// A tiny HTTP/1.1 server for webhook and source tests, on a free 127.0.0.1 port and threads of
/// its own: it records every request and answers what its script says (status, headers, a delay
/// first, a body, sent slowly if asked).
public final class WebhookReceiver: Sendable {
    public struct Received: Sendable {
        public let path: String
        /// Header names in lower case.
        public let headers: [String: String]
        public let body: [UInt8]
        public let at: Date

        public var text: String { String(decoding: body, as: UTF8.self) }
        public var json: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] }
    }

    public struct Reply: Sendable {
        public var status: Int
        public var headers: [(String, String)]
        /// Seconds to wait before answering (a receiver that hangs).
        public var delay: Double
        public var body: [UInt8]
        /// Seconds between the body's 64 KiB pieces (a server that is slow mid-answer).
        public var pieceDelay: Double

        public init(_ status: Int, headers: [(String, String)] = [], delay: Double = 0, body: [UInt8] = Array("ok".utf8),
                    pieceDelay: Double = 0) {
            self.status = status
            self.headers = headers
            self.delay = delay
            self.body = body
            self.pieceDelay = pieceDelay
        }

        public static let ok = Reply(200)
    }

    /// The reply to the request with this index (0-based, in arrival order).
    public typealias Script = @Sendable (_ index: Int, _ request: Received) -> Reply

    public let port: UInt16
    private let listener: Int32
    private struct State {
        var received: [Received] = []
        var script: Script
        var stopped = false
    }
    private let state: Monitor<State>

    public init(script: @escaping Script = { _, _ in .ok }) throws {
        state = Monitor(State(script: script))
        (listener, port) = try LoopbackListener.open(backlog: 128, what: "the webhook receiver")
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "webhook-receiver"
        thread.start()
    }

    /// `http://127.0.0.1:<port><path>`
    public func url(_ path: String = "/hook") -> String { "http://127.0.0.1:\(port)\(path)" }

    public func setScript(_ script: @escaping Script) {
        state.withLock { $0.script = script }
    }

    public var requests: [Received] { state.withLock { $0.received } }

    /// Waits until at least `count` requests arrived; the requests then (fewer on time-out).
    @discardableResult
    public func waitFor(_ count: Int, timeout: Double = 10) -> [Received] {
        state.wait(until: { $0.received.count >= count }, deadline: monotonicNow() + timeout) { state, _ in state.received }
    }

    public func stop() {
        state.withLock { $0.stopped = true }
        shutdown(listener, Int32(SHUT_RDWR))
    }

    deinit {
        Glibc.close(listener)
    }

    private var isStopped: Bool { state.withLock { $0.stopped } }

    private func acceptLoop() {
        while !isStopped {
            var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 200) > 0 else { continue }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            let thread = Thread { [self] in serve(client) }
            thread.name = "webhook-receiver-connection"
            thread.start()
        }
    }

    private func serve(_ fd: Int32) {
        defer { Glibc.close(fd) }
        var buffer: [UInt8] = []
        while !isStopped {
            guard let (path, headers, body) = readRequest(fd, &buffer) else { return }
            let request = Received(path: path, headers: headers, body: body, at: Date())
            let reply: Reply = state.withLock(wake: .all) { state in
                let index = state.received.count
                state.received.append(request)
                return state.script(index, request)
            }
            if reply.delay > 0 { Thread.sleep(forTimeInterval: reply.delay) }
            if isStopped { return }
            var head = "HTTP/1.1 \(reply.status) Scripted\r\n"
            // A 304 has no body (RFC 9110 15.4.5).
            let answer = reply.status == 304 ? [] : reply.body
            if reply.status != 304 { head += "Content-Length: \(answer.count)\r\n" }
            for (name, value) in reply.headers { head += "\(name): \(value)\r\n" }
            guard sendAll(fd, Array((head + "\r\n").utf8)) else { return }
            var offset = 0
            while offset < answer.count {
                let end = reply.pieceDelay > 0 ? min(answer.count, offset + 65536) : answer.count
                guard sendAll(fd, Array(answer[offset..<end])) else { return }
                offset = end
                if reply.pieceDelay > 0 && offset < answer.count {
                    Thread.sleep(forTimeInterval: reply.pieceDelay)
                    if isStopped { return }
                }
            }
        }
    }

    private func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    /// One request (head and Content-Length body); nil when the client closed or sent garbage.
    private func readRequest(_ fd: Int32, _ buffer: inout [UInt8]) -> (String, [String: String], [UInt8])? {
        let separator: [UInt8] = [13, 10, 13, 10]
        var headEnd: Int?
        while true {
            if buffer.count >= 4 {
                headEnd = (0...(buffer.count - 4)).first { buffer[$0..<($0 + 4)].elementsEqual(separator) }
            }
            if headEnd != nil { break }
            guard fill(fd, &buffer) else { return nil }
        }
        guard let headEnd else { return nil }
        let lines = String(decoding: buffer[..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
        let requestLine = lines.first?.split(separator: " ") ?? []
        let path = requestLine.count > 1 ? String(requestLine[1]) : ""
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        let bodyStart = headEnd + 4
        while buffer.count < bodyStart + length {
            guard fill(fd, &buffer) else { return nil }
        }
        let body = Array(buffer[bodyStart..<(bodyStart + length)])
        buffer.removeFirst(bodyStart + length)
        return (path, headers, body)
    }

    private func fill(_ fd: Int32, _ buffer: inout [UInt8]) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return false }
        buffer.append(contentsOf: chunk[..<n])
        return true
    }
}
