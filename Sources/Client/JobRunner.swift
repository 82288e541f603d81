import Foundation
import JSON

/// Sends a file as a job and follows the job to its end (jobs.md, "A client that shows progress"):
/// `POST` with `Prefer: respond-async`, then `GET /jobs/{id}` until it is terminal. Ctrl-C
/// during the upload aborts it; during the job it asks whether to cancel the job on the server.
/// Returns the exit status (`ExitStatus`).
public final class JobRunner {
    private let baseURL: String
    private let key: String?
    private let session: HTTPSession
    private let display: JobDisplay
    private let console: Console
    private let interrupted: () -> Bool
    private let ask: (String) -> String?
    private let giveUpAfter: Double

    /// - interrupted: true once per Ctrl-C (`InterruptSignal.take`).
    /// - ask: a question's answer from the person, nil when there is nobody to ask.
    /// - giveUpAfter: seconds of a server that cannot be reached before the client stops following.
    public init(baseURL: String, key: String?, session: HTTPSession = HTTPSession(), display: JobDisplay,
                console: Console, interrupted: @escaping () -> Bool = InterruptSignal.take,
                ask: @escaping (String) -> String? = Terminal.ask, giveUpAfter: Double = 60) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.key = key
        self.session = session
        self.display = display
        self.console = console
        self.interrupted = interrupted
        self.ask = ask
        self.giveUpAfter = giveUpAfter
    }

    public func run(_ kind: JobKind, file: String) -> Int32 {
        guard FileManager.default.isReadableFile(atPath: file) else {
            console.err("cannot read \(file): no such readable file\n")
            return ExitStatus.usage
        }
        let answer: HTTPAnswer
        do {
            answer = try session.send("POST", url(kind.path), headers: requestHeaders + ["Prefer: respond-async"],
                                      body: .file(path: file, contentType: kind.contentType),
                                      onUploadProgress: { [display] in display.uploadProgress(sent: $0, total: $1) },
                                      shouldStop: interrupted)
        } catch TransferFailure.interrupted {
            display.uploadEnded()
            console.err("upload aborted: the server received part of \(file) and starts no job from it\n")
            return ExitStatus.interrupted
        } catch {
            display.pause()
            console.err("cannot reach \(baseURL): \(describe(error))\n")
            return ExitStatus.usage
        }
        display.uploadEnded()

        switch answer.status {
        case 202:
            guard let job = Job(answer: answer.body) else { return unexpected(answer, "POST \(kind.path)") }
            return follow(job, at: url(answer.headers["location"] ?? "/jobs/\(job.id)"),
                          delay: PollSchedule.delay(status: answer.status, retryAfter: answer.headers["retry-after"]))
        case 200, 201:
            // A server without jobs ignores `Prefer: respond-async` and answers when it is done.
            guard let document = try? JSONParser().parse(answer.body), let data = document["data"] else {
                return unexpected(answer, "POST \(kind.path)")
            }
            console.out(Messages.result(data, processed: nil) + "\n")
            return ExitStatus.succeeded
        default:
            return refusal(answer)
        }
    }

    private var requestHeaders: [String] {
        ["Accept: application/json"] + (key.map { ["Authorization: Bearer \($0)"] } ?? [])
    }

    /// A path (or a `Location`) resolved against the server's address.
    func url(_ reference: String) -> String {
        if reference.hasPrefix("http://") || reference.hasPrefix("https://") { return reference }
        if let base = URL(string: baseURL + "/"), let resolved = URL(string: reference, relativeTo: base) {
            return resolved.absoluteString
        }
        return baseURL + reference
    }

    /// Polls the job until it ends.
    private func follow(_ first: Job, at location: String, delay firstDelay: Double) -> Int32 {
        var job = first
        var delay = firstDelay
        var cancelledHere = false
        var troubleSince: Date?
        while true {
            if job.state.isTerminal { return finish(job, cancelledHere: cancelledHere) }
            display.show(job)
            var wasInterrupted = wait(delay)
            if !wasInterrupted {
                do {
                    let answer = try session.send("GET", location, headers: requestHeaders, shouldStop: interrupted)
                    delay = PollSchedule.delay(status: answer.status, retryAfter: answer.headers["retry-after"])
                    if answer.status == 200, let polled = Job(answer: answer.body) {
                        job = polled
                        if troubleSince != nil { display.note("job \(job.id): the server answers again") }
                        troubleSince = nil
                        continue
                    }
                    if answer.status == 429 || answer.status >= 500 {
                        if let stop = trouble(job, &troubleSince, "the server answered \(answer.status)") { return stop }
                        continue
                    }
                    display.pause()
                    if answer.status == 200 { return unexpected(answer, "GET /jobs/\(job.id)") }
                    return refusal(answer, following: job)
                } catch TransferFailure.interrupted {
                    wasInterrupted = true
                } catch {
                    delay = PollSchedule.afterTrouble
                    if let stop = trouble(job, &troubleSince, describe(error)) { return stop }
                    continue
                }
            }
            if wasInterrupted {
                guard let cancelled = interruption(job, at: location, cancelledHere: cancelledHere) else {
                    return ExitStatus.interrupted
                }
                if let cancelled {
                    job = cancelled
                    cancelledHere = true
                    delay = 0
                }
            }
        }
    }

    /// Ctrl-C while following: ask, and cancel on yes. nil: stop following now. `.some(nil)`: keep
    /// following as before; `.some(job)`: the job as the cancellation answered it.
    private func interruption(_ job: Job, at location: String, cancelledHere: Bool) -> Job?? {
        display.pause()
        if cancelledHere {
            console.err("stopped following job \(job.id); its cancellation was asked for\n")
            return nil
        }
        guard let reply = ask("Cancel job \(job.id) on the server? [y/N] ") else {
            console.err("stopped following job \(job.id); it goes on on the server (DELETE /jobs/\(job.id) cancels it)\n")
            return nil
        }
        guard ["y", "yes"].contains(reply.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()) else {
            display.note("following job \(job.id) again")
            return .some(nil)
        }
        do {
            let answer = try session.send("DELETE", location, headers: requestHeaders, shouldStop: interrupted)
            guard answer.status == 200 || answer.status == 202, let answered = Job(answer: answer.body) else {
                display.note("job \(job.id) was not cancelled:")
                for line in Messages.problemLines(Problem.of(status: answer.status, body: answer.body)) { display.note(line) }
                return .some(nil)
            }
            display.note("cancelling job \(job.id)")
            return .some(answered)
        } catch TransferFailure.interrupted {
            console.err("stopped following job \(job.id); it may have been cancelled\n")
            return nil
        } catch {
            display.note("job \(job.id) was not cancelled: \(describe(error))")
            return .some(nil)
        }
    }

    /// A poll that got no job. Returns the exit status once the server has been away too long.
    private func trouble(_ job: Job, _ since: inout Date?, _ what: String) -> Int32? {
        let now = Date()
        guard let started = since else {
            since = now
            display.note("job \(job.id): \(what); trying again")
            return nil
        }
        guard now.timeIntervalSince(started) >= giveUpAfter else { return nil }
        display.pause()
        console.err("stopped following job \(job.id) (\(what) for \(Int(giveUpAfter)) s); it may still run: GET /jobs/\(job.id)\n")
        return ExitStatus.usage
    }

    private func finish(_ job: Job, cancelledHere: Bool) -> Int32 {
        var lines: [String] = []
        switch job.state {
        case .succeeded:
            lines = job.result.map { [Messages.result($0, processed: job.processed)] } ?? []
        case .failed:
            lines = Messages.problemLines(job.error ?? Problem(title: "the job failed without saying why"))
        case .cancelled:
            lines = cancelledHere ? ["nothing of it was stored"] : ["someone cancelled it; nothing of it was stored"]
        case .queued, .running:
            break
        }
        display.finish(job, lines: lines)
        return ExitStatus.of(job.state, cancelledHere: cancelledHere)
    }

    /// A problem answered instead of a job: its lines, and the exit status for it.
    private func refusal(_ answer: HTTPAnswer, following job: Job? = nil) -> Int32 {
        display.pause()
        var lines = Messages.problemLines(Problem.of(status: answer.status, body: answer.body))
        if answer.status == 401 && key == nil { lines.append("  (send a key: --key or INSIKT_KEY)") }
        if let job { lines.insert("job \(job.id) can no longer be followed:", at: 0) }
        console.err(lines.map { $0 + "\n" }.joined())
        return ExitStatus.ofRefusal(status: answer.status)
    }

    private func unexpected(_ answer: HTTPAnswer, _ request: String) -> Int32 {
        display.pause()
        let start = String(decoding: answer.body.prefix(200), as: UTF8.self)
        console.err("\(request) answered \(answer.status) with a body this client does not understand: \(start)\n")
        return ExitStatus.usage
    }

    /// Sleeps `seconds` in short steps; true when Ctrl-C came first.
    private func wait(_ seconds: Double) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if interrupted() { return true }
            usleep(UInt32(min(0.05, max(0, end.timeIntervalSinceNow)) * 1_000_000))
        }
        return interrupted()
    }

    private func describe(_ error: Error) -> String {
        if case let TransferFailure.failed(text) = error { return text }
        return "\(error)"
    }
}
