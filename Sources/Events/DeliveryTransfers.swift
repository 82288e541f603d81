import Locks
import CLibCurl
import Foundation
import Glibc
import HTTP
import Outgoing
import Synchronization

/// Sends deliveries with libcurl's multi interface: one thread of its own drives every transfer in
/// flight (hundreds at once), so a receiver that never answers holds one transfer, never a thread.
/// Names are looked up by libcurl's threaded resolver, so a slow DNS answer holds only its own
/// transfer too; `connectTimeout` bounds the lookup and the connection, `timeout` the whole attempt.
/// `submit` may be called from any thread; each outcome goes to `finished` (on this thread).
final class DeliveryTransfers: Sendable {
    struct Options: Sendable {
        var timeout: Double
        var connectTimeout: Double
        var allowPrivate: Bool
        /// Connections libcurl keeps open for reuse.
        var keptConnections: Int
    }

    private struct Queue {
        var jobs: [DeliveryJob] = []
        var stopped = false
    }

    private let options: Options
    private let queue = Monitor(Queue())
    private let wakeup = ThreadWakeup()
    private let finished: @Sendable (DeliveryJob, DeliveryOutcome) -> Void
    private let inFlightCount = Atomic<Int>(0)
    private let done = DispatchSemaphore(value: 0)

    static let globalInit: Void = { _ = curl_global_init(Int(CURL_GLOBAL_ALL)) }()
    static let bodyStartLimit = 200
    static let spareHandles = 64

    init(options: Options, finished: @escaping @Sendable (DeliveryJob, DeliveryOutcome) -> Void) {
        _ = DeliveryTransfers.globalInit
        self.options = options
        self.finished = finished
    }

    /// Transfers running now.
    var inFlight: Int { inFlightCount.load(ordering: .relaxed) }

    func start() {
        let thread = Thread { [self] in
            run()
            done.signal()
        }
        thread.name = "insikt-webhooks-transfers"
        thread.start()
    }

    func submit(_ jobs: [DeliveryJob]) {
        queue.withLock { $0.jobs += jobs }
        wakeup.signal()
    }

    /// Aborts every transfer (their outcomes are not reported) and waits for the thread.
    func stop() {
        queue.withLock { $0.stopped = true }
        wakeup.signal()
        _ = done.wait(timeout: .now() + 5)
    }

    private func run() {
        guard let multi = curl_multi_init() else { fatalError("libcurl could not make a multi handle (out of memory)") }
        _ = insikt_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, options.keptConnections)
        var running: [UnsafeMutableRawPointer: Transfer] = [:]
        var spare: [UnsafeMutableRawPointer] = []
        defer {
            for (handle, transfer) in running {
                curl_multi_remove_handle(multi, handle)
                transfer.release()
                curl_easy_cleanup(handle)
            }
            for handle in spare { curl_easy_cleanup(handle) }
            curl_multi_cleanup(multi)
            inFlightCount.store(0, ordering: .relaxed)
        }
        while true {
            let (jobs, stopped) = queue.withLock { queue in
                defer { queue.jobs.removeAll() }
                return (queue.jobs, queue.stopped)
            }
            if stopped { return }
            for job in jobs {
                guard let handle = spare.popLast() ?? curl_easy_init() else {
                    finished(job, DeliveryOutcome(latencyMs: 0, error: "libcurl could not make a handle (out of memory)"))
                    continue
                }
                let transfer = Transfer(job: job, handle: handle, options: options)
                if let refused = transfer.prepare() {
                    spare.append(handle)
                    finished(job, refused)
                    continue
                }
                curl_multi_add_handle(multi, handle)
                running[handle] = transfer
                inFlightCount.add(1, ordering: .relaxed)
            }
            var stillRunning: Int32 = 0
            curl_multi_perform(multi, &stillRunning)
            var left: Int32 = 0
            while let message = curl_multi_info_read(multi, &left) {
                guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle,
                      let transfer = running.removeValue(forKey: handle) else { continue }
                let outcome = transfer.outcome(message.pointee.data.result)
                curl_multi_remove_handle(multi, handle)
                transfer.release()
                if spare.count < DeliveryTransfers.spareHandles { spare.append(handle) } else { curl_easy_cleanup(handle) }
                inFlightCount.subtract(1, ordering: .relaxed)
                finished(transfer.job, outcome)
            }
            var extra = curl_waitfd(fd: wakeup.fd, events: Int16(CURL_WAIT_POLLIN), revents: 0)
            curl_multi_poll(multi, &extra, 1, 1000, nil)
            wakeup.drain()
        }
    }

    /// One attempt in flight: its request and what its callbacks see (passed to libcurl as an
    /// opaque pointer). Lives on the transfers thread only.
    final class Transfer {
        let job: DeliveryJob
        let handle: UnsafeMutableRawPointer
        let options: Options
        let startedAt = Date().timeIntervalSince1970
        let started = monotonicNow()
        var headers: UnsafeMutablePointer<curl_slist>?
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
        /// The start of the receiver's answer, for the delivery's error.
        var bodyStart: [UInt8] = []
        /// Set when a connection to a private address was refused.
        var refusedAddress: String?

        init(job: DeliveryJob, handle: UnsafeMutableRawPointer, options: Options) {
            self.job = job
            self.handle = handle
            self.options = options
            errorBuffer[0] = 0
        }

        /// Sets the handle up for this attempt; an outcome when it cannot be sent at all.
        func prepare() -> DeliveryOutcome? {
            guard let request = DeliveryRequest(job, timestamp: Int64(startedAt)) else {
                return DeliveryOutcome(latencyMs: 0, startedAt: startedAt, error: "the endpoint's secret is not base64")
            }
            for line in request.headerLines { headers = curl_slist_append(headers, line) }
            let context = Unmanaged.passUnretained(self).toOpaque()
            curl_easy_reset(handle)
            _ = insikt_curl_setopt_pointer(handle, CURLOPT_URL, job.url)
            _ = insikt_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, headers)
            _ = insikt_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
            _ = insikt_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, max(1, Int(options.timeout * 1000)))
            _ = insikt_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, max(1, Int(min(options.connectTimeout, options.timeout) * 1000)))
            _ = insikt_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)
            _ = insikt_curl_setopt_pointer(handle, CURLOPT_PROTOCOLS_STR, "http,https")
            // A proxy would resolve the host itself, past the address check.
            _ = insikt_curl_setopt_pointer(handle, CURLOPT_PROXY, "")
            _ = insikt_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
            _ = insikt_curl_setopt_write_function(handle) { data, size, count, context in
                let transfer = Unmanaged<DeliveryTransfers.Transfer>.fromOpaque(context!).takeUnretainedValue()
                let length = size * count
                let wanted = min(length, DeliveryTransfers.bodyStartLimit - transfer.bodyStart.count)
                if wanted > 0, let data {
                    data.withMemoryRebound(to: UInt8.self, capacity: wanted) { transfer.bodyStart.append(contentsOf: UnsafeBufferPointer(start: $0, count: wanted)) }
                }
                return length
            }
            _ = insikt_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
            // Every connection's address is checked as it is opened: the resolution at creation
            // proves nothing about what the name resolves to now (DNS rebinding).
            _ = insikt_curl_setopt_open_socket_function(handle) { context, _, address in
                guard let context, let address else { return CURL_SOCKET_BAD }
                let transfer = Unmanaged<DeliveryTransfers.Transfer>.fromOpaque(context).takeUnretainedValue()
                let offset = MemoryLayout<curl_sockaddr>.offset(of: \curl_sockaddr.addr)!
                let socketAddress = (UnsafeMutableRawPointer(address) + offset).assumingMemoryBound(to: sockaddr.self)
                if !transfer.options.allowPrivate {
                    guard let bytes = AddressPolicy.bytes(of: socketAddress), !AddressPolicy.isPrivate(bytes) else {
                        transfer.refusedAddress = AddressPolicy.bytes(of: socketAddress).map(AddressPolicy.text) ?? "a non-IP address"
                        return CURL_SOCKET_BAD
                    }
                }
                return socket(address.pointee.family, address.pointee.socktype | Int32(SOCK_CLOEXEC.rawValue), address.pointee.protocol)
            }
            _ = insikt_curl_setopt_pointer(handle, CURLOPT_OPENSOCKETDATA, context)
            // libcurl copies the body: the handle does not depend on the job's array staying put.
            _ = insikt_curl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(job.payload.count))
            _ = job.payload.withUnsafeBufferPointer { insikt_curl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, $0.baseAddress) }
            return nil
        }

        func release() {
            curl_slist_free_all(headers)
            headers = nil
            errorBuffer.deallocate()
        }

        func outcome(_ code: CURLcode) -> DeliveryOutcome {
            let latency = (monotonicNow() - started) * 1000
            guard code == CURLE_OK else {
                return DeliveryOutcome(latencyMs: latency, startedAt: startedAt, error: failure(code))
            }
            var status = 0
            _ = insikt_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
            var outcome = DeliveryOutcome(statusCode: status, latencyMs: latency, startedAt: startedAt)
            if !(200..<300).contains(status) {
                outcome.error = answerError(status)
                if status == 429 || status == 503 { outcome.retryAfter = header("Retry-After").flatMap { RetrySchedule.retryAfter($0) } }
            }
            return outcome
        }

        private func failure(_ code: CURLcode) -> String {
            if let refusedAddress {
                return "refused: the host resolves to \(refusedAddress), a loopback, link-local or private address (--webhook-allow-private lifts this)"
            }
            if code == CURLE_OPERATION_TIMEDOUT {
                var connected: curl_off_t = 0
                _ = insikt_curl_getinfo_off(handle, CURLINFO_CONNECT_TIME_T, &connected)
                if connected == 0 { return "could not connect within \(min(options.connectTimeout, options.timeout)) s" }
                return "no answer within \(options.timeout) s"
            }
            let detail = String(cString: errorBuffer)
            return detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        }

        private func answerError(_ status: Int) -> String {
            var text = "the receiver answered \(status)"
            if (300..<400).contains(status) { text += " (redirects are not followed)" }
            let start = String(decoding: bodyStart, as: UTF8.self).filter { !$0.isNewline }.trimmingCharacters(in: .whitespaces)
            if !start.isEmpty { text += ": " + start }
            return text
        }

        private func header(_ name: String) -> String? {
            var found: UnsafeMutablePointer<curl_header>?
            guard curl_easy_header(handle, name, 0, UInt32(CURLH_HEADER), -1, &found) == CURLHE_OK, let found, let value = found.pointee.value else {
                return nil
            }
            return String(cString: value)
        }
    }
}
