import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The terminal the client draws on and asks from.
public enum Terminal {
    public static let defaultWidth = 80
    /// Back to the line's start and erase it (ANSI EL 2).
    public static let clearLine = "\r\u{1B}[2K"

    public static func isTerminal(_ descriptor: Int32) -> Bool { isatty(descriptor) == 1 }

    /// The terminal's columns (TIOCGWINSZ), read at each redraw so a resize takes effect.
    public static func width(_ descriptor: Int32 = STDOUT_FILENO) -> Int {
        var size = winsize()
        guard ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return defaultWidth }
        return Int(size.ws_col)
    }

    /// Asks on the controlling terminal (/dev/tty, so it works with stdout piped) and reads one
    /// line. nil when there is no terminal, at end of input, or on another Ctrl-C.
    public static func ask(_ question: String) -> String? {
        let descriptor = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        let prompt = Array(question.utf8)
        guard write(descriptor, prompt, prompt.count) == prompt.count else { return nil }
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = read(descriptor, &byte, 1)
            if count < 0 {
                if errno == EINTR && !InterruptSignal.take() { continue }
                _ = write(descriptor, "\n", 1)
                return nil
            }
            if count == 0 { return line.isEmpty ? nil : String(decoding: line, as: UTF8.self) }
            if byte == UInt8(ascii: "\n") { return String(decoding: line, as: UTF8.self) }
            line.append(byte)
        }
    }
}
