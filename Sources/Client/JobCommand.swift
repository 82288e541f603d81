import Dispatch

/// What `insikt import` and `insikt upload` run: bars on a terminal, plain lines elsewhere.
public enum JobCommand {
    public static let defaultURL = "http://localhost:8080"

    public static func run(_ kind: JobKind, file: String, url: String, key: String?) -> Int32 {
        InterruptSignal.install()
        let console = StandardConsole()
        let display: JobDisplay = Terminal.isTerminal(1)
            ? BarDisplay(console: console, width: { Terminal.width() }, now: { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 })
            : LineDisplay(console: console)
        return JobRunner(baseURL: url, key: key, display: display, console: console).run(kind, file: file)
    }
}
