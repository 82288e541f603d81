/// How the client shows a job's way: bars on a terminal (`BarDisplay`), one line per state
/// change elsewhere (`LineDisplay`).
public protocol JobDisplay: AnyObject {
    /// Bytes of the file sent so far (many times a second).
    func uploadProgress(sent: Int64, total: Int64)
    /// The server answered the upload.
    func uploadEnded()
    /// The job as the last poll saw it (not terminal).
    func show(_ job: Job)
    /// The job ended; `lines` say how (the result, or the problem's lines).
    func finish(_ job: Job, lines: [String])
    /// Something to say between updates (stderr), e.g. "cancelling job 7".
    func note(_ text: String)
    /// Clears a half-drawn line before the client asks a question or stops.
    func pause()
}
