import Foundation
import HTTP
import Locks
import Postgres

/// The threads that run jobs, apart from the request workers: each claims a job (FOR UPDATE SKIP
/// LOCKED), runs its kind's work, and records how it ended. A local submission wakes one at
/// once, a commit on another server soon after (`somethingCommitted`); a poll every
/// `pollInterval` finds expired leases and anything a lost notification missed.
public final class JobRunners: Sendable {
    public struct Configuration: Sendable {
        public var workers = ProcessInfo.processInfo.activeProcessorCount
        /// Runs of a job a transient failure may take (1: no retry).
        public var attempts = 3
        /// Seconds a claimed job stays this server's without a heartbeat.
        public var lease = 30.0
        public var pollInterval = 1.0
        /// The first back-off before a retry; it doubles each time, with jitter.
        public var retryDelay = 0.5
        /// Seconds between progress lines in a job's log.
        public var logInterval = 5.0

        public init() {}
    }

    public let configuration: Configuration
    let repository: JobsRepository
    private let works: [String: JobWork]
    private let isReady: @Sendable () -> Bool
    /// This server in the lease (unique per process and start: two apps in one test process differ).
    let server: String

    private struct Runners {
        var wakeups = 0
        var lastCommitWake = 0.0
        var stopping = false
        var threads = 0
        var finished = 0
        var running: [Int64: JobRun] = [:]
    }
    private let runners = Monitor(Runners())
    private let heartbeat: JobHeartbeat

    public init(configuration: Configuration, repository: JobsRepository, works: [JobKind: JobWork],
                isReady: @escaping @Sendable () -> Bool) {
        self.configuration = configuration
        self.repository = repository
        self.works = Dictionary(uniqueKeysWithValues: works.map { ($0.key.rawValue, $0.value) })
        self.isReady = isReady
        server = "\(ProcessInfo.processInfo.hostName):\(getpid()):\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
        heartbeat = JobHeartbeat(repository: repository, server: server, lease: configuration.lease,
                                 logInterval: configuration.logInterval)
    }

    public func start() {
        heartbeat.start()
        let count = max(0, configuration.workers)
        runners.withLock { $0.threads += count }
        for i in 0..<count {
            let thread = Thread { [self] in loop() }
            thread.name = "insikt-job-\(i)"
            thread.start()
        }
    }

    /// Stops claiming; running jobs stop at their next checkpoint, roll back and are handed back.
    public func stop(timeout: Double = 5) {
        runners.withLock(wake: .all) { runners in
            runners.stopping = true
            for run in runners.running.values { run.stop(.shutdown) }
        }
        runners.wait(until: { $0.finished >= $0.threads }, deadline: monotonicNow() + timeout)
        heartbeat.stop()
    }

    /// A job was queued here: one idle runner looks at once.
    public func wake() {
        runners.withLock(wake: .one) { $0.wakeups += 1 }
    }

    /// Something was committed, maybe by another server (the feed's NOTIFY; a queued job is an
    /// event too): one idle runner looks, at most 20 times a second, so a server whose own
    /// runners are busy or absent (`--job-workers 0`) hands its jobs on without the poll's delay.
    public func somethingCommitted() {
        let now = Date().timeIntervalSinceReferenceDate
        runners.withLock(wake: .one) { runners in
            guard runners.wakeups == 0, now - runners.lastCommitWake >= 0.05 else { return }
            runners.lastCommitWake = now
            runners.wakeups += 1
        }
    }

    private func loop() {
        var failing = false
        while !isStopping {
            var claimed: (job: Job, contentType: String?, rerun: Bool)?
            if isReady() {
                do {
                    claimed = try repository.claim(server: server, lease: configuration.lease)
                    failing = false
                } catch {
                    if !failing { ServerLog.error("jobs: claiming a job failed: \(error)") }
                    failing = true
                }
            }
            if let claimed {
                run(claimed.job, contentType: claimed.contentType)
            } else {
                runners.wait(until: { $0.wakeups > 0 || $0.stopping }, deadline: monotonicNow() + configuration.pollInterval) { runners, _ in
                    runners.wakeups = max(0, runners.wakeups - 1)
                }
            }
        }
        runners.withLock(wake: .all) { $0.finished += 1 }
    }

    private var isStopping: Bool {
        runners.withLock { $0.stopping }
    }

    private func run(_ job: Job, contentType: String?) {
        let run = JobRun(job: job, contentType: contentType, repository: repository, server: server)
        runners.withLock { runners in
            if runners.stopping { run.stop(.shutdown) }
            runners.running[job.id] = run
        }
        heartbeat.add(run)
        defer {
            run.closeReader()
            heartbeat.remove(run)
            runners.withLock { $0.running[job.id] = nil }
        }
        do {
            try execute(run, job: job)
        } catch {
            // The outcome could not be written (the database is away): the lease runs out and
            // the job runs again then.
            ServerLog.error("jobs: job \(job.id): recording its outcome failed: \(error)")
        }
    }

    private func execute(_ run: JobRun, job: Job) throws {
        if job.cancelRequested { return try repository.cancelled(jobId: job.id, server: server) }
        guard job.attempts <= Int64(configuration.attempts) else {
            let problem = HTTPError(503, "The job was started \(job.attempts - 1) times and its server stopped each time; it was given up.")
            return try repository.fail(jobId: job.id, server: server, problem: problem.response.body,
                                       log: "failed: given up after \(job.attempts - 1) interrupted attempts")
        }
        guard let work = works[job.kind] else {
            let problem = HTTPError(500, "This server cannot run jobs of kind \(job.kind).")
            return try repository.fail(jobId: job.id, server: server, problem: problem.response.body, log: "failed: unknown kind \(job.kind)")
        }
        var attempts = job.attempts
        while true {
            do {
                try work(run)
                if !run.committed {
                    let problem = HTTPError(500, "The job's work ended without storing its result.")
                    try repository.fail(jobId: job.id, server: server, problem: problem.response.body, log: "failed: no result")
                }
                return
            } catch let stop as JobStop {
                return try stopped(job, by: stop)
            } catch let error as HTTPError {
                let detail = error.errors.isEmpty ? error.detail : "\(error.detail) (\(error.errors.count) errors)"
                try repository.fail(jobId: job.id, server: server, problem: error.response.body, log: "failed: \(error.status) \(detail)")
                return
            } catch let error as PostgresError where error.isTransient || error.isUnavailable {
                guard attempts < Int64(configuration.attempts) else {
                    let problem = HTTPError(503, "The database failed \(attempts) times while the job ran (\(error.message.trimmingCharacters(in: .whitespacesAndNewlines))); nothing was stored.")
                    try repository.fail(jobId: job.id, server: server, problem: problem.response.body,
                                        log: "failed: \(attempts) attempts, the last: \(error)")
                    return
                }
                let delay = configuration.retryDelay * Double(1 << Int(min(attempts - 1, 10))) * Double.random(in: 0.5...1.5)
                guard let counted = try retrying(run, job: job, { try repository.retry(jobId: job.id, server: server, after: "\(error)", delay: delay) })
                else { return try stopped(job, by: run.stopped ?? .leaseLost) }
                attempts = counted
                if !sleep(delay, run) { return try stopped(job, by: run.stopped ?? .leaseLost) }
                run.restart()
            } catch {
                ServerLog.error("jobs: job \(job.id) failed: \(error)")
                let problem = HTTPError(500, "The job failed on an internal error; nothing was stored.")
                try repository.fail(jobId: job.id, server: server, problem: problem.response.body, log: "failed: internal error")
                return
            }
        }
    }

    private func stopped(_ job: Job, by stop: JobStop) throws {
        switch stop {
        case .cancelled: try repository.cancelled(jobId: job.id, server: server)
        case .shutdown: try repository.release(jobId: job.id, server: server)
        case .leaseLost: ServerLog.error("jobs: job \(job.id) is no longer this server's (its lease expired); this run stopped")
        }
    }

    /// The bookkeeping of a retry, which itself may meet the database away: then tried again
    /// until the lease is lost or the server stops.
    private func retrying(_ run: JobRun, job: Job, _ body: () throws -> Int64?) throws -> Int64? {
        while true {
            do { return try body() } catch let error as PostgresError where error.isTransient || error.isUnavailable {
                if !sleep(configuration.retryDelay, run) { return nil }
            }
        }
    }

    /// Waits `seconds` unless the run is told to stop (false then).
    private func sleep(_ seconds: Double, _ run: JobRun) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if run.stopped != nil { return false }
            Thread.sleep(forTimeInterval: min(0.05, max(0, deadline.timeIntervalSinceNow)))
        }
        return run.stopped == nil
    }
}
