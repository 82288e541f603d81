import Glibc
import JSON

/// One line per request on stderr. Each event loop buffers its lines and writes them once per
/// wake-up, so logging costs no syscall per request.
final class AccessLog {
    private let format: ServerConfiguration.AccessLogFormat
    private let redactedPrefixes: [String]
    private var buffer: [UInt8] = []

    init(format: ServerConfiguration.AccessLogFormat, redactedPrefixes: [String] = []) {
        self.format = format
        self.redactedPrefixes = redactedPrefixes
        buffer.reserveCapacity(16 * 1024)
    }

    func record(method: HTTPMethod, path rawPath: String, status: Int, bytes: Int, seconds: Double, requestId: String,
                trace: TraceContext, callerId: String? = nil) {
        let path = ServerConfiguration.shownPath(rawPath, redacting: redactedPrefixes)
        switch format {
        case .off:
            return
        case .text:
            let ms = (seconds * 1_000_000).rounded() / 1000
            buffer.append(contentsOf: "\(method) \(path) \(status) \(bytes) \(ms)ms \(requestId) ".utf8)
            trace.append(to: &buffer)
            buffer.append(contentsOf: " \(callerId ?? "-")\n".utf8)
        case .json:
            var writer = JSONWriter(capacity: 160)
            writer.raw("{\"method\":"); writer.string(method.description)
            writer.raw(",\"path\":"); writer.string(path)
            writer.raw(",\"status\":"); writer.int(status)
            writer.raw(",\"bytes\":"); writer.int(bytes)
            writer.raw(",\"duration_ms\":"); writer.double((seconds * 1_000_000).rounded() / 1000)
            writer.raw(",\"request_id\":"); writer.string(requestId)
            writer.raw(",\"traceparent\":"); writer.string(trace.traceparent)
            writer.raw(",\"key_id\":")
            if let callerId { writer.string(callerId) } else { writer.raw("null") }
            writer.raw("}\n")
            buffer.append(contentsOf: writer.bytes)
        }
        if buffer.count > 64 * 1024 { flush() }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(2, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Errors for operators (with the request id), on stderr at once.
public enum ServerLog {
    public static func error(_ message: String) {
        let line = "error: \(message)\n"
        _ = line.withCString { Glibc.write(2, $0, strlen($0)) }
    }

    public static func info(_ message: String) {
        let line = "\(message)\n"
        _ = line.withCString { Glibc.write(2, $0, strlen($0)) }
    }
}
