import CLibCurl
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Sends deliveries with libcurl: one easy handle per dispatcher thread, reused so connections to
/// a receiver stay open between deliveries. Only ever runs on the dispatcher's own threads.
final class DeliverySender {
    private let handle: UnsafeMutableRawPointer
    private let timeout: Double
    private let allowPrivate: Bool
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))

    /// What the callbacks of one transfer see (passed to libcurl as an opaque pointer).
    final class Transfer {
        /// The start of the receiver's answer, for the delivery's error.
        var bodyStart: [UInt8] = []
        let allowPrivate: Bool
        /// Set when a connection to a private address was refused.
        var refusedAddress: String?

        init(allowPrivate: Bool) {
            self.allowPrivate = allowPrivate
        }
    }

    static let globalInit: Void = { _ = curl_global_init(Int(CURL_GLOBAL_ALL)) }()
    static let bodyStartLimit = 200

    init(timeout: Double, allowPrivate: Bool) {
        _ = DeliverySender.globalInit
        guard let handle = curl_easy_init() else { fatalError("libcurl could not make a handle (out of memory)") }
        self.handle = handle
        self.timeout = timeout
        self.allowPrivate = allowPrivate
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// One attempt: POST the event with the Standard Webhooks headers.
    func send(_ job: DeliveryJob) -> DeliveryOutcome {
        let timestamp = Int64(Date().timeIntervalSince1970)
        guard let signature = WebhookSignature.signature(secret: job.secret, id: String(job.eventId), timestamp: timestamp, body: job.payload) else {
            return DeliveryOutcome(statusCode: nil, latencyMs: 0, error: "the endpoint's secret is not base64")
        }
        var headers: UnsafeMutablePointer<curl_slist>?
        for line in ["Content-Type: application/json", "User-Agent: insikt-webhooks", "Expect:",
                     "webhook-id: \(job.eventId)", "webhook-timestamp: \(timestamp)", "webhook-signature: \(signature)"] {
            headers = curl_slist_append(headers, line)
        }
        defer { curl_slist_free_all(headers) }

        let transfer = Transfer(allowPrivate: allowPrivate)
        let context = Unmanaged.passUnretained(transfer).toOpaque()
        curl_easy_reset(handle)
        errorBuffer[0] = 0
        _ = insikt_curl_setopt_pointer(handle, CURLOPT_URL, job.url)
        _ = insikt_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, headers)
        _ = insikt_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = insikt_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, max(1, Int(timeout * 1000)))
        _ = insikt_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)
        _ = insikt_curl_setopt_pointer(handle, CURLOPT_PROTOCOLS_STR, "http,https")
        // A proxy would resolve the host itself, past the address check.
        _ = insikt_curl_setopt_pointer(handle, CURLOPT_PROXY, "")
        _ = insikt_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
        _ = insikt_curl_setopt_write_function(handle) { data, size, count, context in
            let transfer = Unmanaged<DeliverySender.Transfer>.fromOpaque(context!).takeUnretainedValue()
            let length = size * count
            let wanted = min(length, DeliverySender.bodyStartLimit - transfer.bodyStart.count)
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
            let transfer = Unmanaged<DeliverySender.Transfer>.fromOpaque(context).takeUnretainedValue()
            let offset = MemoryLayout<curl_sockaddr>.offset(of: \curl_sockaddr.addr)!
            let socketAddress = (UnsafeMutableRawPointer(address) + offset).assumingMemoryBound(to: sockaddr.self)
            if !transfer.allowPrivate {
                guard let bytes = WebhookAddressPolicy.bytes(of: socketAddress), !WebhookAddressPolicy.isPrivate(bytes) else {
                    transfer.refusedAddress = WebhookAddressPolicy.bytes(of: socketAddress).map(WebhookAddressPolicy.text) ?? "a non-IP address"
                    return CURL_SOCKET_BAD
                }
            }
            return socket(address.pointee.family, address.pointee.socktype | Int32(SOCK_CLOEXEC.rawValue), address.pointee.protocol)
        }
        _ = insikt_curl_setopt_pointer(handle, CURLOPT_OPENSOCKETDATA, context)

        let started = DispatchTime.now().uptimeNanoseconds
        let code: CURLcode = job.payload.withUnsafeBufferPointer { body in
            _ = insikt_curl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
            _ = insikt_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, body.baseAddress)
            return curl_easy_perform(handle)
        }
        let latency = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
        _ = insikt_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, nil)

        guard code == CURLE_OK else {
            return DeliveryOutcome(statusCode: nil, latencyMs: latency, error: failure(code, transfer))
        }
        var status = 0
        _ = insikt_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var outcome = DeliveryOutcome(statusCode: status, latencyMs: latency)
        if !(200..<300).contains(status) {
            outcome.error = answerError(status, transfer.bodyStart)
            if status == 429 || status == 503 { outcome.retryAfter = header("Retry-After").flatMap { WebhookRetrySchedule.retryAfter($0) } }
        }
        return outcome
    }

    private func failure(_ code: CURLcode, _ transfer: Transfer) -> String {
        if let refused = transfer.refusedAddress {
            return "refused: the host resolves to \(refused), a loopback, link-local or private address (--webhook-allow-private lifts this)"
        }
        if code == CURLE_OPERATION_TIMEDOUT { return "no answer within \(timeout) s" }
        let detail = String(cString: errorBuffer)
        return detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
    }

    private func answerError(_ status: Int, _ body: [UInt8]) -> String {
        var text = "the receiver answered \(status)"
        if (300..<400).contains(status) { text += " (redirects are not followed)" }
        let start = String(decoding: body, as: UTF8.self).filter { !$0.isNewline }.trimmingCharacters(in: .whitespaces)
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
