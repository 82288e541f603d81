/// What goes out with one attempt besides the event's bytes: the one place where a delivery's
/// request headers are made (a header every delivery should carry is added here).
struct DeliveryRequest {
    let headerLines: [String]

    /// The Standard Webhooks headers for `job` signed at `timestamp` (Unix seconds); nil when the
    /// endpoint's secret cannot sign.
    init?(_ job: DeliveryJob, timestamp: Int64) {
        guard let signature = WebhookSignature.signature(secret: job.secret, id: String(job.eventId), timestamp: timestamp, body: job.payload) else {
            return nil
        }
        headerLines = [
            "Content-Type: application/json",
            "User-Agent: insikt-webhooks",
            // No `Expect: 100-continue` round trip before the body.
            "Expect:",
            "webhook-id: \(job.eventId)",
            "webhook-timestamp: \(timestamp)",
            "webhook-signature: \(signature)",
        ] + (job.traceparent.map { ["traceparent: \($0)"] } ?? [])
    }
}
