/// The client's exit statuses. 1 means the server looked at the data and refused it; 2 that it
/// never got that far (a usage error, an unreadable file, a wrong key, an unreachable or broken
/// server).
public enum ExitStatus {
    public static let succeeded: Int32 = 0
    public static let refused: Int32 = 1
    public static let usage: Int32 = 2
    /// 128 + SIGINT, as a shell reports a program that Ctrl-C stopped.
    public static let interrupted: Int32 = 130

    /// A job that ended: `cancelledHere` when this client asked for the cancellation.
    public static func of(_ state: JobState, cancelledHere: Bool) -> Int32 {
        switch state {
        case .succeeded: return succeeded
        case .cancelled where cancelledHere: return interrupted
        case .queued, .running: return usage
        case .failed, .cancelled: return refused
        }
    }

    /// A request refused before any job existed: the body's fault (400, 409, 413, 415, 422) is
    /// a refusal of the data; the key (401, 403) and anything else is the caller's set-up or
    /// the server.
    public static func ofRefusal(status: Int) -> Int32 {
        switch status {
        case 400, 409, 413, 415, 422: return refused
        default: return usage
        }
    }
}
