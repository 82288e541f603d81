import Locks
import CLibCurl
import Foundation
import Outgoing
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What a pull asks for.
struct FetchRequest: Sendable {
    var url: String
    var headers: [(name: String, value: String)]
    var ifNoneMatch: String?
    var ifModifiedSince: String?
    var settings: SourceSettings
}

/// The final answer's status and the headers a run uses.
struct FetchHead: Sendable {
    var status: Int
    var etag: String?
    var lastModified: String?
    var retryAfter: Double?
    var contentLength: Int64?
    /// The start of a non-2xx answer's body, for the run's problem.
    var bodyStart: String = ""
}

/// Why a pull got no (whole) answer.
enum FetchFailure: Error, Sendable {
    case timeout(Double)
    case refused(String)
    case connection(String)
    case tooLarge(Int64)

    /// A timeout or a lost connection may go better next time; a refused address or a body over
    /// the limit cannot.
    var isTransient: Bool {
        switch self {
        case .timeout, .connection: return true
        case .refused, .tooLarge: return false
        }
    }

    var message: String {
        switch self {
        case let .timeout(seconds): return "no whole answer within \(Fetch.seconds(seconds)) s (timeout)"
        case let .refused(address): return "refused: the URL or a redirect leads to \(address), a loopback, link-local or private address (--source-allow-private lifts this)"
        case let .connection(detail): return "the connection failed: \(detail)"
        case let .tooLarge(limit): return "the body is larger than the upload limit of \(limit) bytes"
        }
    }
}

enum Fetch {
    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }
}

/// One pull by libcurl on a thread of its own (never an event loop or a request worker): the
/// answer's head as soon as it is known, then its body in pieces for the reader that takes them
/// (the upload's own), at most `queueLimit` bytes ahead of it, so memory stays bounded. The
/// address of every connection, the first and each redirect's, passes the SSRF guard.
final class SourceFetch: Sendable {
    static let queueLimit = 4 << 20
    static let pieceSize = 256 << 10
    static let bodyStartLimit = 200
    static let globalInit: Void = { _ = curl_global_init(Int(CURL_GLOBAL_ALL)) }()

    private struct State {
        var head: FetchHead?
        var pieces: [[UInt8]] = []
        var queued = 0
        var received: Int64 = 0
        var ended = false
        var failure: FetchFailure?
        var abandoned = false
        var refusedAddress: String?
    }

    private let state = Monitor(State())
    private let changed = DispatchSemaphore(value: 0)
    private let drained = DispatchSemaphore(value: 0)
    let request: FetchRequest

    init(_ request: FetchRequest) {
        self.request = request
        _ = SourceFetch.globalInit
        let thread = Thread { [self] in perform() }
        thread.name = "insikt-source-fetch"
        thread.start()
    }

    // MARK: the reader's side

    /// The answer's head, once known; throws what the pull met when there is none. `check` runs
    /// while waiting (a cancelled run throws from it).
    func head(check: () throws -> Void) throws -> FetchHead {
        while true {
            let now: Result<FetchHead, FetchFailure>? = state.withLock { state in
                // An answer other than 2xx is told once its transfer ended, with the start of its body.
                if let head = state.head, (200..<300).contains(head.status) || state.ended { return .success(head) }
                if let failure = state.failure { return .failure(failure) }
                if state.ended { return .failure(.connection("the server closed the connection without an answer")) }
                return nil
            }
            switch now {
            case let .success(head)?: return head
            case let .failure(failure)?: throw failure
            case nil:
                try check()
                _ = changed.wait(timeout: .now() + .milliseconds(100))
            }
        }
    }

    /// The next piece of the body, nil at its end; throws when the pull broke off.
    func read(check: () throws -> Void) throws -> [UInt8]? {
        while true {
            let now: Result<[UInt8]?, FetchFailure>? = state.withLock { state in
                if !state.pieces.isEmpty {
                    let piece = state.pieces.removeFirst()
                    state.queued -= piece.count
                    return .success(piece)
                }
                if let failure = state.failure { return .failure(failure) }
                if state.ended { return .success(nil) }
                return nil
            }
            switch now {
            case let .success(piece)?:
                drained.signal()
                return piece
            case let .failure(failure)?: throw failure
            case nil:
                try check()
                _ = changed.wait(timeout: .now() + .milliseconds(100))
            }
        }
    }

    /// The run is done with this pull: the transfer stops at its next callback.
    func abandon() {
        state.withLock { $0.abandoned = true }
        drained.signal()
    }

    // MARK: the transfer's side

    private func perform() {
        guard let handle = curl_easy_init() else {
            finish(.connection("libcurl could not make a handle (out of memory)"))
            return
        }
        defer { curl_easy_cleanup(handle) }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer[0] = 0
        defer { errorBuffer.deallocate() }
        var lines = ["User-Agent: insikt-sources", "Accept: */*"]
        for header in request.headers { lines.append("\(header.name): \(header.value)") }
        if let etag = request.ifNoneMatch { lines.append("If-None-Match: \(etag)") }
        if let date = request.ifModifiedSince { lines.append("If-Modified-Since: \(date)") }
        var headers: UnsafeMutablePointer<curl_slist>?
        for line in lines { headers = curl_slist_append(headers, line) }
        defer { curl_slist_free_all(headers) }

        let settings = request.settings
        let context = Unmanaged.passUnretained(self).toOpaque()
        _ = insikt_curl_setopt_pointer(handle, CURLOPT_URL, request.url)
        _ = insikt_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, headers)
        _ = insikt_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = insikt_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, max(1, Int(settings.connectTimeout * 1000)))
        _ = insikt_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, max(1, Int(settings.timeout * 1000)))
        _ = insikt_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 1)
        _ = insikt_curl_setopt_long(handle, CURLOPT_MAXREDIRS, 5)
        _ = insikt_curl_setopt_pointer(handle, CURLOPT_PROTOCOLS_STR, "http,https")
        _ = insikt_curl_setopt_pointer(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        // A proxy would resolve the host itself, past the address check.
        _ = insikt_curl_setopt_pointer(handle, CURLOPT_PROXY, "")
        _ = insikt_curl_setopt_pointer(handle, CURLOPT_ACCEPT_ENCODING, "gzip")
        _ = insikt_curl_setopt_long(handle, CURLOPT_BUFFERSIZE, SourceFetch.pieceSize)
        if let caFile = settings.caFile { _ = insikt_curl_setopt_pointer(handle, CURLOPT_CAINFO, caFile) }
        _ = insikt_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
        _ = insikt_curl_setopt_write_function(handle) { data, size, count, context in
            let fetch = Unmanaged<SourceFetch>.fromOpaque(context!).takeUnretainedValue()
            return fetch.received(data, size * count)
        }
        _ = insikt_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
        // A run that is done with the pull (cancelled, or its server stopping) ends a transfer
        // still waiting for an answer too, not only one that delivers body.
        _ = insikt_curl_setopt_long(handle, CURLOPT_NOPROGRESS, 0)
        _ = insikt_curl_setopt_xferinfo_function(handle) { context, _, _, _, _ in
            let fetch = Unmanaged<SourceFetch>.fromOpaque(context!).takeUnretainedValue()
            return fetch.state.withLock { $0.abandoned } ? 1 : 0
        }
        _ = insikt_curl_setopt_pointer(handle, CURLOPT_XFERINFODATA, context)
        // Every connection's address is checked as it is opened, the redirects' too: what the
        // name resolved to when the source was saved proves nothing now (DNS rebinding).
        _ = insikt_curl_setopt_open_socket_function(handle) { context, _, address in
            guard let context, let address else { return CURL_SOCKET_BAD }
            let fetch = Unmanaged<SourceFetch>.fromOpaque(context).takeUnretainedValue()
            let offset = MemoryLayout<curl_sockaddr>.offset(of: \curl_sockaddr.addr)!
            let socketAddress = (UnsafeMutableRawPointer(address) + offset).assumingMemoryBound(to: sockaddr.self)
            if let refused = fetch.refusal(socketAddress) {
                fetch.state.withLock { $0.refusedAddress = refused }
                return CURL_SOCKET_BAD
            }
            return socket(address.pointee.family, address.pointee.socktype | Int32(SOCK_CLOEXEC.rawValue), address.pointee.protocol)
        }
        _ = insikt_curl_setopt_pointer(handle, CURLOPT_OPENSOCKETDATA, context)
        self.handle.withLock { $0 = UInt(bitPattern: handle) }

        let code = curl_easy_perform(handle)
        let (hadHead, abandoned, refused, failure) = state.withLock { ($0.head != nil, $0.abandoned, $0.refusedAddress, $0.failure) }
        if !hadHead && code == CURLE_OK { captureHead(handle) }
        if failure != nil || abandoned {
            finish(nil)
        } else if code == CURLE_OK || (code == CURLE_WRITE_ERROR && hadHead) {
            finish(nil)
        } else if let refused {
            finish(.refused(refused))
        } else if code == CURLE_OPERATION_TIMEDOUT {
            finish(.timeout(settings.timeout))
        } else {
            let detail = String(cString: errorBuffer)
            finish(.connection(detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail))
        }
    }

    /// The handle while the transfer runs, for the write callback's look at the head.
    private let handle = Monitor<UInt>(0)

    private func refusal(_ address: UnsafePointer<sockaddr>) -> String? {
        let settings = request.settings
        guard !settings.allowPrivate else { return nil }
        guard let bytes = AddressPolicy.bytes(of: address) else { return "a non-IP address" }
        guard AddressPolicy.isPrivate(bytes) else { return nil }
        let text = AddressPolicy.text(bytes)
        let port: UInt16 = address.pointee.sa_family == sa_family_t(AF_INET)
            ? address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
            : address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
        return settings.privateExceptions.contains("\(text):\(port)") ? nil : text
    }

    /// A piece of the body from libcurl: queued for the reader (waiting while the queue is
    /// full); 0 stops the transfer.
    private func received(_ data: UnsafeMutablePointer<CChar>?, _ length: Int) -> Int {
        if state.withLock({ $0.head == nil }) {
            captureHead(UnsafeMutableRawPointer(bitPattern: handle.withLock { $0 }))
        }
        guard let data else { return length }
        let limit = request.settings.maxBodyBytes
        let bytes = UnsafeRawBufferPointer(start: data, count: length)
        let go: Bool = state.withLock { state in
            guard !state.abandoned, var head = state.head else { return false }
            guard (200..<300).contains(head.status) else {
                // Only the start of an error's body is kept; the rest is not needed.
                let wanted = min(length, SourceFetch.bodyStartLimit - head.bodyStart.utf8.count)
                if wanted > 0 { head.bodyStart += String(decoding: bytes.prefix(wanted), as: UTF8.self) }
                state.head = head
                return false
            }
            state.received += Int64(length)
            if state.received > limit {
                state.failure = .tooLarge(limit)
                return false
            }
            if let last = state.pieces.indices.last, state.pieces[last].count < SourceFetch.pieceSize {
                state.pieces[last].append(contentsOf: bytes)
            } else {
                state.pieces.append(Array(bytes))
            }
            state.queued += length
            return true
        }
        changed.signal()
        guard go else { return 0 }
        while true {
            let (full, abandoned) = state.withLock { ($0.queued > SourceFetch.queueLimit, $0.abandoned) }
            if abandoned { return 0 }
            if !full { return length }
            _ = drained.wait(timeout: .now() + .milliseconds(100))
        }
    }

    private func captureHead(_ handle: UnsafeMutableRawPointer?) {
        guard let handle else { return }
        var status = 0
        _ = insikt_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        func header(_ name: String) -> String? {
            var found: UnsafeMutablePointer<curl_header>?
            guard curl_easy_header(handle, name, 0, UInt32(CURLH_HEADER), -1, &found) == CURLHE_OK, let found,
                  let value = found.pointee.value else { return nil }
            return String(cString: value)
        }
        let head = FetchHead(status: status, etag: header("ETag"), lastModified: header("Last-Modified"),
                             retryAfter: header("Retry-After").flatMap { RetrySchedule.retryAfter($0) },
                             contentLength: header("Content-Length").flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) })
        state.withLock { if $0.head == nil { $0.head = head } }
        changed.signal()
    }

    private func finish(_ failure: FetchFailure?) {
        state.withLock { state in
            if let failure, state.failure == nil { state.failure = failure }
            state.ended = true
        }
        changed.signal()
    }
}
