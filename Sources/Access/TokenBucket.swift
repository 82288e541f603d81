/// One key's rate limit: `rate` tokens a second, at most `2 × rate` saved up (access.md).
struct TokenBucket: Sendable {
    private var tokens = -1.0
    private var updated = 0.0

    struct Outcome {
        let allowed: Bool
        /// Whole requests left now.
        let remaining: Int
        /// Seconds until the bucket is full again.
        let secondsToFull: Int
        /// Seconds until the next request would be allowed (when refused).
        let retryAfter: Int
    }

    mutating func take(rate: Double, now: Double) -> Outcome {
        let capacity = 2 * rate
        if tokens < 0 {
            tokens = capacity
        } else {
            tokens = min(capacity, tokens + (now - updated) * rate)
        }
        updated = now
        let allowed = tokens >= 1
        if allowed { tokens -= 1 }
        let toFull = Int(((capacity - tokens) / rate).rounded(.up))
        let retry = allowed ? 0 : max(1, Int(((1 - tokens) / rate).rounded(.up)))
        return Outcome(allowed: allowed, remaining: Int(tokens.rounded(.down)), secondsToFull: toFull, retryAfter: retry)
    }
}
