/// Two progress bars redrawn in place with `\r` and clear-line: the bytes sent, then the job's
/// progress, each kept on screen when done.
///
///     upload    [====================] 100%  12.0 MB / 12.0 MB
///     job 7     [==========>         ]  52%  5200 rows, running
public final class BarDisplay: JobDisplay {
    private let console: Console
    private let width: () -> Int
    private let now: () -> Double
    /// A bar is drawn on the current line (no newline after it yet).
    private var drawn = false
    private var lastDraw = -1.0
    private var sent: Int64 = 0
    private var total: Int64 = 0
    private var uploadShown = false
    /// Redraws of the upload bar at most this often (libcurl reports far more often).
    static let redrawInterval = 0.1
    /// Columns left free at the end: the terminal echoes Ctrl-C as `^C` after the bar, and a line
    /// that wrapped could not be cleared before the question.
    static let echoRoom = 2

    public init(console: Console, width: @escaping () -> Int, now: @escaping () -> Double) {
        self.console = console
        self.width = width
        self.now = now
    }

    public func uploadProgress(sent: Int64, total: Int64) {
        self.sent = sent
        self.total = total
        let time = now()
        if sent < total && time - lastDraw < BarDisplay.redrawInterval { return }
        lastDraw = time
        drawUpload()
    }

    public func uploadEnded() {
        if !uploadShown { return }
        drawUpload()
        newline()
    }

    public func show(_ job: Job) {
        draw(jobLine(job))
    }

    public func finish(_ job: Job, lines: [String]) {
        draw(jobLine(job))
        newline()
        for line in lines { console.out(line + "\n") }
    }

    public func note(_ text: String) {
        pause()
        console.err(text + "\n")
    }

    public func pause() {
        if drawn { console.out(Terminal.clearLine) }
        drawn = false
    }

    /// Labels are padded to one width so the two bars line up (for job ids up to 5 digits).
    static let labelWidth = 9

    static func label(_ text: String) -> String {
        text + String(repeating: " ", count: max(0, labelWidth - text.count))
    }

    /// A running job says what it is doing (its phase) where the server tells it.
    static func jobDetail(_ job: Job) -> String {
        let doing = job.state == .running ? job.phase ?? job.state.rawValue : job.state.rawValue
        guard let processed = job.processed, processed > 0 || job.state != .queued else { return doing }
        return "\(processed) rows, \(doing)"
    }

    private func drawUpload() {
        uploadShown = true
        let fraction = total > 0 ? Double(sent) / Double(total) : nil
        draw(ProgressBar.line(label: BarDisplay.label("upload"), fraction: fraction,
                              detail: "\(ByteCount.text(sent)) / \(ByteCount.text(total))", width: width() - BarDisplay.echoRoom))
    }

    private func jobLine(_ job: Job) -> String {
        ProgressBar.line(label: BarDisplay.label("job \(job.id)"), fraction: job.progress,
                         detail: BarDisplay.jobDetail(job), width: width() - BarDisplay.echoRoom)
    }

    private func draw(_ line: String) {
        console.out(Terminal.clearLine + line)
        drawn = true
    }

    private func newline() {
        if drawn { console.out("\n") }
        drawn = false
    }
}

/// One plain line per state change, for CI logs and pipes:
///
///     job 7 queued
///     job 7 running
///     job 7 succeeded: import 42 stored: 10000 citizens — /imports/42
public final class LineDisplay: JobDisplay {
    private let console: Console
    private var lastState: JobState?

    public init(console: Console) {
        self.console = console
    }

    public func uploadProgress(sent: Int64, total: Int64) {}
    public func uploadEnded() {}

    public func show(_ job: Job) {
        guard job.state != lastState else { return }
        lastState = job.state
        console.out("job \(job.id) \(job.state.rawValue)\n")
    }

    public func finish(_ job: Job, lines: [String]) {
        lastState = job.state
        let headline = "job \(job.id) \(job.state.rawValue)" + (lines.first.map { ": " + $0 } ?? "")
        console.out(([headline] + lines.dropFirst()).map { $0 + "\n" }.joined())
    }

    public func note(_ text: String) {
        console.err(text + "\n")
    }

    public func pause() {}
}
