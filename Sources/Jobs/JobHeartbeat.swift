import Foundation
import HTTP

/// One thread per server that, twice a second, renews the lease of each job running here,
/// writes its progress, and reads whether a cancel was asked (the run then stops at its next
/// checkpoint). A progress line goes to the job's log every `logInterval`.
final class JobHeartbeat: @unchecked Sendable {
    static let interval = 0.5

    private let repository: JobsRepository
    private let server: String
    private let lease: Double
    private let logInterval: Double
    private let condition = NSCondition()
    private var runs: [ObjectIdentifier: (run: JobRun, lastLog: Date)] = [:]
    private var stopping = false
    private var done = false
    private var thread: Thread?

    init(repository: JobsRepository, server: String, lease: Double, logInterval: Double) {
        self.repository = repository
        self.server = server
        self.lease = lease
        self.logInterval = logInterval
    }

    func start() {
        let thread = Thread { [self] in loop() }
        thread.name = "insikt-job-heartbeat"
        self.thread = thread
        thread.start()
    }

    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        let deadline = Date().addingTimeInterval(2)
        while thread != nil && !done && condition.wait(until: deadline) {}
        condition.unlock()
    }

    func add(_ run: JobRun) {
        condition.lock()
        runs[ObjectIdentifier(run)] = (run, Date())
        condition.unlock()
    }

    func remove(_ run: JobRun) {
        condition.lock()
        runs[ObjectIdentifier(run)] = nil
        condition.unlock()
    }

    private func loop() {
        // Shorter than the lease, so a short test lease is renewed in time too.
        let interval = min(JobHeartbeat.interval, lease / 3)
        condition.lock()
        while !stopping {
            _ = condition.wait(until: Date().addingTimeInterval(interval))
            if stopping { break }
            let current = Array(runs.values)
            condition.unlock()
            for (run, lastLog) in current { beat(run, lastLog: lastLog) }
            condition.lock()
        }
        done = true
        condition.broadcast()
        condition.unlock()
    }

    private func beat(_ run: JobRun, lastLog: Date) {
        let now = run.snapshot
        var logLine: String?
        if Date().timeIntervalSince(lastLog) >= logInterval {
            condition.lock()
            runs[ObjectIdentifier(run)]?.lastLog = Date()
            condition.unlock()
            logLine = "progress: \(Int(now.fraction * 100)) %, \(now.phase ?? "working"), \(now.rows) rows, \(now.bytes) of \(run.totalBytes) bytes read"
        }
        do {
            switch try repository.heartbeat(jobId: run.jobId, server: server, lease: lease, rows: now.rows, bytes: now.bytes,
                                            fraction: now.fraction, phase: now.phase, logLine: logLine) {
            case nil: run.stop(.leaseLost)
            case true?: run.stop(.cancelled)
            case false?: break
            }
        } catch {
            // A missed beat is harmless while the lease lasts; the next one tries again.
        }
    }
}
