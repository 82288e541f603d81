import Client
import Locks

/// A console that keeps what the client wrote, in order, for tests.
final class CapturedConsole: Console, Sendable {
    private let written = Monitor<(transcript: String, errors: String)>(("", ""))
    var transcript: String { written.withLock { $0.transcript } }
    var errors: String { written.withLock { $0.errors } }

    func out(_ text: String) { written.withLock { $0.transcript += text } }

    func err(_ text: String) {
        written.withLock { written in
            written.transcript += text
            written.errors += text
        }
    }

    /// What a terminal shows: each `\r` + clear-line redraws the current line in place.
    var screen: [String] {
        var lines = transcript.components(separatedBy: "\n").map { $0.components(separatedBy: Terminal.clearLine).last ?? "" }
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}
