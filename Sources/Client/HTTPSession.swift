import CLibCurl
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An answer: status, the few headers the client reads, and the body.
public struct HTTPAnswer: Sendable {
    public var status: Int
    /// Lower-case names: `location`, `retry-after`, `content-type`.
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String] = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Why a request got no answer.
public enum TransferFailure: Error, Equatable {
    /// `shouldStop` said so (Ctrl-C): the transfer was aborted.
    case interrupted
    /// Name not resolved, connection refused or lost, timeout: libcurl's words.
    case failed(String)
}

/// What a request sends.
public enum RequestBody {
    case none
    /// Streamed from disk with a read callback: a file of any size is never in memory whole.
    case file(path: String, contentType: String)
}

/// Requests with libcurl on one easy handle, reused so the polls share one connection.
/// Not thread-safe: the client's one thread uses it.
public final class HTTPSession {
    private let handle: UnsafeMutableRawPointer
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
    static let globalInit: Void = { _ = curl_global_init(Int(CURL_GLOBAL_ALL)) }()
    static let readHeaders = ["location", "retry-after", "content-type"]

    /// What the callbacks of one transfer see (passed to libcurl as an opaque pointer).
    final class Transfer {
        var file: UnsafeMutablePointer<FILE>?
        var readError = false
        var answer: [UInt8] = []
        let onUploadProgress: ((_ sent: Int64, _ total: Int64) -> Void)?
        let shouldStop: () -> Bool
        var stopped = false

        init(onUploadProgress: ((Int64, Int64) -> Void)?, shouldStop: @escaping () -> Bool) {
            self.onUploadProgress = onUploadProgress
            self.shouldStop = shouldStop
        }
    }

    public init() {
        _ = HTTPSession.globalInit
        guard let handle = curl_easy_init() else { fatalError("libcurl could not make a handle (out of memory)") }
        self.handle = handle
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// One request. `shouldStop` is asked while it runs (several times a second); true aborts it.
    public func send(_ method: String, _ url: String, headers: [String], body: RequestBody = .none,
                     onUploadProgress: ((_ sent: Int64, _ total: Int64) -> Void)? = nil,
                     shouldStop: @escaping () -> Bool) throws -> HTTPAnswer {
        let transfer = Transfer(onUploadProgress: onUploadProgress, shouldStop: shouldStop)
        defer { if let file = transfer.file { fclose(file) } }
        var list: UnsafeMutablePointer<curl_slist>?
        var lines = headers
        if case let .file(_, contentType) = body { lines.append("Content-Type: \(contentType)") }
        for line in lines { list = curl_slist_append(list, line) }
        defer { curl_slist_free_all(list) }

        let context = Unmanaged.passUnretained(transfer).toOpaque()
        curl_easy_reset(handle)
        errorBuffer[0] = 0
        _ = insikt_curl_setopt_pointer(handle, CURLOPT_URL, url)
        _ = insikt_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, list)
        _ = insikt_curl_setopt_pointer(handle, CURLOPT_USERAGENT, "insikt-client")
        _ = insikt_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = insikt_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, 10_000)
        _ = insikt_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
        _ = insikt_curl_setopt_write_function(handle) { data, size, count, context in
            let transfer = Unmanaged<HTTPSession.Transfer>.fromOpaque(context!).takeUnretainedValue()
            let length = size * count
            if length > 0, let data {
                data.withMemoryRebound(to: UInt8.self, capacity: length) { transfer.answer.append(contentsOf: UnsafeBufferPointer(start: $0, count: length)) }
            }
            return length
        }
        _ = insikt_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
        _ = insikt_curl_setopt_long(handle, CURLOPT_NOPROGRESS, 0)
        _ = insikt_curl_setopt_xferinfo_function(handle) { context, _, _, uploadTotal, uploadNow in
            let transfer = Unmanaged<HTTPSession.Transfer>.fromOpaque(context!).takeUnretainedValue()
            if transfer.shouldStop() {
                transfer.stopped = true
                return 1
            }
            if uploadTotal > 0 { transfer.onUploadProgress?(Int64(uploadNow), Int64(uploadTotal)) }
            return 0
        }
        _ = insikt_curl_setopt_pointer(handle, CURLOPT_XFERINFODATA, context)

        switch body {
        case .none:
            if method != "GET" { _ = insikt_curl_setopt_pointer(handle, CURLOPT_CUSTOMREQUEST, method) }
            _ = insikt_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, 30_000)
        case let .file(path, _):
            guard let file = fopen(path, "rb") else {
                throw TransferFailure.failed("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            transfer.file = file
            var info = stat()
            guard fstat(fileno(file), &info) == 0 else {
                throw TransferFailure.failed("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            _ = insikt_curl_setopt_long(handle, CURLOPT_POST, 1)
            if method != "POST" { _ = insikt_curl_setopt_pointer(handle, CURLOPT_CUSTOMREQUEST, method) }
            _ = insikt_curl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(info.st_size))
            _ = insikt_curl_setopt_read_function(handle) { buffer, size, count, context in
                let transfer = Unmanaged<HTTPSession.Transfer>.fromOpaque(context!).takeUnretainedValue()
                if transfer.shouldStop() {
                    transfer.stopped = true
                    return size_t(CURL_READFUNC_ABORT)
                }
                guard let buffer, let file = transfer.file else { return 0 }
                let read = fread(buffer, 1, size * count, file)
                if read == 0 && ferror(file) != 0 {
                    transfer.readError = true
                    return size_t(CURL_READFUNC_ABORT)
                }
                return read
            }
            _ = insikt_curl_setopt_pointer(handle, CURLOPT_READDATA, context)
            // No overall timeout for a body of any size; a transfer that stalls for minutes ends.
            // (The server stores the body before it answers, so a quiet minute is normal.)
            _ = insikt_curl_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1)
            _ = insikt_curl_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, 300)
        }

        let code = curl_easy_perform(handle)
        if transfer.stopped { throw TransferFailure.interrupted }
        guard code == CURLE_OK else {
            if transfer.readError, case let .file(path, _) = body {
                throw TransferFailure.failed("reading \(path) failed")
            }
            let detail = String(cString: errorBuffer)
            throw TransferFailure.failed(detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail)
        }
        var status = 0
        _ = insikt_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var found: [String: String] = [:]
        for name in HTTPSession.readHeaders {
            if let value = header(name) { found[name] = value }
        }
        return HTTPAnswer(status: status, headers: found, body: transfer.answer)
    }

    private func header(_ name: String) -> String? {
        var found: UnsafeMutablePointer<curl_header>?
        guard curl_easy_header(handle, name, 0, UInt32(CURLH_HEADER), -1, &found) == CURLHE_OK, let found,
              let value = found.pointee.value else {
            return nil
        }
        return String(cString: value)
    }
}
