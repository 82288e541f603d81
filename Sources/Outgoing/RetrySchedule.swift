import Foundation

/// When a failed delivery is tried again (`--webhook-retry-schedule 5,300,1800,...`): the n-th
/// number is the wait in seconds after the n-th failed attempt, within ±20 % jitter; once they are
/// spent the delivery has failed for good.
public struct RetrySchedule: Sendable, Equatable {
    public let delays: [Double]

    public static let standard = RetrySchedule(delays: [5, 300, 1800, 7200, 18000, 36000, 36000])

    public init(delays: [Double]) {
        self.delays = delays
    }

    /// Reads `5,300,1800` (seconds, decimals allowed); nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        var delays: [Double] = []
        for part in parts {
            guard let value = Double(part), value.isFinite, value >= 0, value <= 30 * 86400 else { return nil }
            delays.append(value)
        }
        guard !delays.isEmpty else { return nil }
        self.delays = delays
    }

    /// The wait after failed attempt number `attempts` (1-based), or nil when no attempt is left.
    /// `retryAfter`: what the receiver asked for (429/503), a lower bound.
    public func delay(afterAttempt attempts: Int, retryAfter: Double?) -> Double? {
        guard attempts >= 1, attempts <= delays.count else { return nil }
        let jittered = delays[attempts - 1] * Double.random(in: 0.8...1.2)
        return max(jittered, retryAfter ?? 0)
    }

    /// `Retry-After` as seconds from now: delta-seconds or an HTTP date (RFC 9110 10.2.3).
    public static func retryAfter(_ value: String, now: Date = Date()) -> Double? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(text), seconds >= 0 { return Double(min(seconds, 30 * 86400)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        guard let date = formatter.date(from: text) else { return nil }
        return min(max(0, date.timeIntervalSince(now)), 30 * 86400)
    }
}
