import Foundation
import HTTP
import Locks

/// One thread per server that, twice a second, renews the lease of each job running here,
/// writes its progress, and reads whether a cancel was asked (the run then stops at its next
/// checkpoint). A progress line goes to the job's log every `logInterval`.
final class JobHeartbeat: Sendable {
    static let interval = 0.5

    private let repository: JobsRepository
    private let server: String
    private let lease: Double
    private let logInterval: Double
    private struct Beats {
        var runs: [ObjectIdentifier: (run: JobRun, lastLog: Date)] = [:]
        var stopping = false
        var started = false
        var done = false
    }
    private let beats = Monitor(Beats())

    init(repository: JobsRepository, server: String, lease: Double, logInterval: Double) {
        self.repository = repository
        self.server = server
        self.lease = lease
        self.logInterval = logInterval
    }

    func start() {
        let thread = Thread { [self] in loop() }
        thread.name = "insikt-job-heartbeat"
        beats.withLock { $0.started = true }
        thread.start()
    }

    func stop() {
        beats.withLock(wake: .all) { $0.stopping = true }
        beats.wait(until: { !$0.started || $0.done }, deadline: monotonicNow() + 2)
    }

    func add(_ run: JobRun) {
        beats.withLock { $0.runs[ObjectIdentifier(run)] = (run, Date()) }
    }

    func remove(_ run: JobRun) {
        beats.withLock { $0.runs[ObjectIdentifier(run)] = nil }
    }

    private func loop() {
        // Shorter than the lease, so a short test lease is renewed in time too.
        let interval = min(JobHeartbeat.interval, lease / 3)
        while true {
            let current = beats.wait(until: { $0.stopping }, deadline: monotonicNow() + interval) { beats, stopping in
                stopping ? nil : Array(beats.runs.values)
            }
            guard let current else { break }
            for (run, lastLog) in current { beat(run, lastLog: lastLog) }
        }
        beats.withLock(wake: .all) { $0.done = true }
    }

    private func beat(_ run: JobRun, lastLog: Date) {
        let now = run.snapshot
        var logLine: String?
        if Date().timeIntervalSince(lastLog) >= logInterval {
            beats.withLock { $0.runs[ObjectIdentifier(run)]?.lastLog = Date() }
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
