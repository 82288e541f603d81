import Foundation
import Glibc

/// A deliberately small HTTP/1.1 client on a plain blocking socket, independent of the server's
/// code, so tests can send any bytes (malformed ones included) and check the reply byte by byte.
public final class RawConnection {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String

        public init(description: String) {
            self.description = description
        }
    }

    private let fd: Int32
    private var pending: [UInt8] = []
    public private(set) var closedByPeer = false
    /// The request line last sent, for the secret scan of the answer.
    private var requestLine = ""

    public init(port: UInt16, host: String = "127.0.0.1") throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        inet_pton(AF_INET, host, &address.sin_addr)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            // No close here: deinit closes fd (a class whose init throws after its properties are
            // set is deinitialised), and closing twice can close another thread's new socket.
            throw Failure(description: "connect to \(host):\(port) failed: errno \(errno)")
        }
        var on: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit {
        Glibc.close(fd)
    }

    public func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    public func send(_ bytes: [UInt8]) throws {
        if let first = bytes.first, first >= UInt8(ascii: "A"), first <= UInt8(ascii: "Z") {
            requestLine = String(decoding: bytes.prefix(200).prefix { $0 != 13 && $0 != 10 }, as: UTF8.self)
        }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "send failed: errno \(errno)") }
            offset += n
        }
    }

    /// Reads more bytes into `pending`; false at end of stream or time-out.
    private func fill(timeout: Double) throws -> Bool {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&poller, 1, Int32(timeout * 1000))
        if ready == 0 { throw Failure(description: "timed out after \(timeout) s waiting for the server") }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 {
            closedByPeer = true
            return false
        }
        pending.append(contentsOf: chunk[0..<n])
        return true
    }

    /// Reads one response. `forHead` says the request was HEAD (no body follows). Every answer
    /// is scanned for secrets (`SecretScan`).
    public func readResponse(forHead: Bool = false, timeout: Double = 10) throws -> RawResponse {
        let response = try readWholeResponse(forHead: forHead, timeout: timeout)
        SecretScan.check(response, requestLine: requestLine)
        return response
    }

    private func readWholeResponse(forHead: Bool, timeout: Double) throws -> RawResponse {
        var headEnd: Int?
        while headEnd == nil {
            headEnd = findBlankLine()
            if headEnd == nil {
                guard try fill(timeout: timeout) else {
                    throw Failure(description: "connection closed before a complete response head (\(pending.count) bytes)")
                }
            }
        }
        let headText = String(decoding: pending[0..<headEnd!], as: UTF8.self)
        pending.removeFirst(headEnd! + 4)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2).map(String.init)
        guard parts.count >= 2, parts[0] == "HTTP/1.1", let status = Int(parts[1]) else {
            throw Failure(description: "bad status line: \(statusLine)")
        }
        var headers: [(String, String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { throw Failure(description: "bad header line: \(line)") }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        var response = RawResponse(status: status, reason: parts.count > 2 ? parts[2] : "", headers: headers, body: [], head: headText)
        if forHead || status < 200 || status == 204 || status == 304 { return response }
        if let length = response.header("Content-Length").flatMap(Int.init) {
            while pending.count < length {
                guard try fill(timeout: timeout) else { throw Failure(description: "connection closed inside the body") }
            }
            response.body = Array(pending[0..<length])
            pending.removeFirst(length)
        } else if response.header("Transfer-Encoding")?.lowercased() == "chunked" {
            response.body = try readChunked(timeout: timeout)
        } else {
            while try fill(timeout: timeout) {}
            response.body = pending
            pending = []
        }
        return response
    }

    /// Reads a response head alone (for a body that stays open, such as Server-Sent Events).
    public func readHead(timeout: Double = 10) throws -> String {
        while findBlankLine() == nil {
            guard try fill(timeout: timeout) else { throw Failure(description: "connection closed before a response head") }
        }
        let end = findBlankLine()!
        let head = String(decoding: pending[0..<end], as: UTF8.self)
        pending.removeFirst(end + 4)
        return head
    }

    /// The next chunk of a chunked body that is still being written.
    public func readChunk(timeout: Double = 10) throws -> [UInt8] {
        let line = try readLine(timeout: timeout)
        guard let size = Int(line.split(separator: ";").first ?? "", radix: 16) else { throw Failure(description: "bad chunk size \(line)") }
        while pending.count < size + 2 {
            guard try fill(timeout: timeout) else { throw Failure(description: "closed inside a chunk") }
        }
        let chunk = Array(pending[0..<size])
        pending.removeFirst(size + 2)
        return chunk
    }

    /// Makes the close (when this connection is released) a reset: SO_LINGER 0 sends RST, not FIN.
    public func resetOnClose() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
    }

    /// Closes the connection from this side.
    public func shutdown() {
        Glibc.shutdown(fd, Int32(SHUT_RDWR))
    }

    private func readChunked(timeout: Double) throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let line = try readLine(timeout: timeout)
            guard let size = Int(line.split(separator: ";")[0], radix: 16) else { throw Failure(description: "bad chunk size \(line)") }
            if size == 0 {
                while try !readLine(timeout: timeout).isEmpty {}
                return body
            }
            while pending.count < size + 2 {
                guard try fill(timeout: timeout) else { throw Failure(description: "closed inside a chunk") }
            }
            body.append(contentsOf: pending[0..<size])
            pending.removeFirst(size + 2)
        }
    }

    private func readLine(timeout: Double) throws -> String {
        while true {
            if let i = pending.indices.dropLast().first(where: { pending[$0] == 13 && pending[$0 + 1] == 10 }) {
                let line = String(decoding: pending[0..<i], as: UTF8.self)
                pending.removeFirst(i + 2)
                return line
            }
            guard try fill(timeout: timeout) else { throw Failure(description: "closed inside a line") }
        }
    }

    /// True when the server closes the connection (end of stream) within `timeout` and sends
    /// nothing more.
    public func waitForClose(timeout: Double = 5) -> Bool {
        do {
            while try fill(timeout: timeout) {}
            return true
        } catch {
            return false
        }
    }

    /// Everything the server sends until it closes (or `timeout` passes).
    public func readAll(timeout: Double = 5) -> [UInt8] {
        _ = waitForClose(timeout: timeout)
        defer { pending = [] }
        return pending
    }

    private func findBlankLine() -> Int? {
        guard pending.count >= 4 else { return nil }
        for i in 0...(pending.count - 4) where pending[i] == 13 && pending[i + 1] == 10 && pending[i + 2] == 13 && pending[i + 3] == 10 {
            return i
        }
        return nil
    }
}

public struct RawResponse: Sendable {
    public let status: Int
    public let reason: String
    public let headers: [(String, String)]
    public var body: [UInt8]
    public let head: String

    public init(status: Int, reason: String, headers: [(String, String)], body: [UInt8], head: String) {
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
        self.head = head
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed by Foundation (a second, independent JSON reader).
    public var json: Any? { try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) }
}

/// `bytes` in chunked framing, `pieceSize` bytes a chunk, with the closing chunk.
public func chunkedEncoding(_ bytes: [UInt8], pieceSize: Int) -> [UInt8] {
    var out: [UInt8] = []
    for start in stride(from: 0, to: bytes.count, by: pieceSize) {
        let piece = bytes[start..<min(start + pieceSize, bytes.count)]
        out += Array("\(String(piece.count, radix: 16))\r\n".utf8) + piece + [13, 10]
    }
    return out + Array("0\r\n\r\n".utf8)
}

/// One request on a fresh connection, for tests that need no connection-level control. It sends
/// `key` as a bearer key unless the headers carry a key already; `key: nil` sends none.
public func httpRequest(port: UInt16, _ method: String, _ path: String, headers: [(String, String)] = [],
                        body: [UInt8]? = nil, key: String? = TestEnvironment.adminKey, timeout: Double = 30) throws -> RawResponse {
    let connection = try RawConnection(port: port)
    var head = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\n"
    if let key, !headers.contains(where: { ["authorization", "x-api-key"].contains($0.0.lowercased()) }) {
        head += "Authorization: Bearer \(key)\r\n"
    }
    for (name, value) in headers { head += "\(name): \(value)\r\n" }
    if let body, !headers.contains(where: { $0.0.lowercased() == "transfer-encoding" }) {
        head += "Content-Length: \(body.count)\r\n"
    }
    head += "Connection: close\r\n\r\n"
    try connection.send(Array(head.utf8) + (body ?? []))
    return try connection.readResponse(forHead: method == "HEAD", timeout: timeout)
}

public func httpRequest(port: UInt16, _ method: String, _ path: String, headers: [(String, String)] = [],
                        json: String, key: String? = TestEnvironment.adminKey, timeout: Double = 30) throws -> RawResponse {
    try httpRequest(port: port, method, path, headers: headers + [("Content-Type", "application/json")],
                    body: Array(json.utf8), key: key, timeout: timeout)
}
