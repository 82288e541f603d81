import HTTP
import Locks

/// Deletes finished jobs older than the retention (`--jobs-retention DAYS`, at least one: jobs.md
/// keeps a finished job at least 24 h) once an hour; their logs go with them.
public final class JobRetention: Sendable {
    private let repository: JobsRepository
    private let days: Double
    private let periodic = PeriodicTask()

    public init(repository: JobsRepository, days: Double) {
        self.repository = repository
        self.days = days
    }

    /// Deletes now; returns how many jobs went.
    @discardableResult
    public func deleteExpired() throws -> Int {
        try repository.deleteFinished(olderThanDays: days)
    }

    public func start(every interval: Double = 3600) {
        periodic.start(name: "jobs-retention", every: interval) { [self] in try deleteExpired() }
    }

    public func stop() {
        periodic.stop()
    }
}
