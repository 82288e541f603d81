import Client

/// A console that keeps what the client wrote, in order, for tests.
final class CapturedConsole: Console, @unchecked Sendable {
    private(set) var transcript = ""
    private(set) var errors = ""

    func out(_ text: String) { transcript += text }

    func err(_ text: String) {
        transcript += text
        errors += text
    }

    /// What a terminal shows: each `\r` + clear-line redraws the current line in place.
    var screen: [String] {
        var lines = transcript.components(separatedBy: "\n").map { $0.components(separatedBy: Terminal.clearLine).last ?? "" }
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}
