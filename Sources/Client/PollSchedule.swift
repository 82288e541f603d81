import Foundation

/// How long to wait before asking for a job again. Every half second keeps the bar lively; a
/// server that asks for more (a `Retry-After` above the 1 s it sends on every running job, or
/// any `Retry-After` on a 429 or 503) gets what it asks for.
public enum PollSchedule {
    public static let interval = 0.5
    /// The wait after an answer that was not a job (a 5xx, a lost connection), and the most
    /// a `Retry-After` can make the client wait.
    public static let afterTrouble = 1.0
    public static let longest = 30.0

    public static func delay(status: Int, retryAfter: String?) -> Double {
        let asked = retryAfter.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }.map { min(longest, max(0, $0)) }
        if status == 429 || status == 503 { return max(interval, asked ?? afterTrouble) }
        if let asked, asked > 1 { return asked }
        return status >= 500 ? afterTrouble : interval
    }
}
