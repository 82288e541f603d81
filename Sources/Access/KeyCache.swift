import Foundation
import Locks
import Synchronization
import HTTP

/// Every key in memory, reloaded from PostgreSQL every `refreshInterval` seconds (so a key
/// revoked on another server stops working here within that time) and at once after a change
/// made here. Last-use times go back to the database every `recordInterval` seconds.
public final class KeyCache: Sendable {
    private let repository: KeysRepository
    private let keys = Monitor<[String: CachedKey]>([:])
    /// One reload at a time: a reload that read the table before a change must not replace the
    /// keys of one that read it after.
    private let reloading = Monitor<Void>(())
    private let adminKey: KeyToken?
    private let refreshInterval: Double
    private let recordInterval: Double
    private let stopped = Atomic<Bool>(false)
    /// Set once the first load succeeded (and ADMIN_KEY, if any, exists in the database).
    private let loaded = Atomic<Bool>(false)

    public init(repository: KeysRepository, adminKey: KeyToken?, refreshInterval: Double = 2, recordInterval: Double = 15) {
        self.repository = repository
        self.adminKey = adminKey
        self.refreshInterval = refreshInterval
        self.recordInterval = recordInterval
    }

    public var isLoaded: Bool { loaded.load(ordering: .acquiring) }

    func lookup(_ id: String) -> CachedKey? {
        keys.withLock { $0[id] }
    }

    /// Reloads every key now; the first time, also makes sure ADMIN_KEY exists.
    public func refresh() throws {
        try reloading.withLock { _ in try reload() }
    }

    private func reload() throws {
        if !isLoaded, let adminKey {
            try repository.ensureAdmin(adminKey, name: "ADMIN_KEY")
        }
        let fresh = try repository.loadAll()
        keys.withLock { current in
            var next: [String: CachedKey] = [:]
            next.reserveCapacity(fresh.count)
            for key in fresh {
                if let old = current[key.id], old.sameSecret(as: key) {
                    // Keep the counters of the entry already there.
                    key.lastUsed.store(old.lastUsed.load(ordering: .relaxed), ordering: .relaxed)
                    let bucket = old.bucket.withLock { $0 }
                    key.bucket.withLock { $0 = bucket }
                }
                next[key.id] = key
            }
            current = next
        }
        loaded.store(true, ordering: .releasing)
    }

    /// Refreshes in the background until `stop()`; failures are logged and retried.
    public func start() {
        let thread = Thread { [self] in
            var recorded: [String: Int64] = [:]
            var lastRecord = Date()
            var lastError = ""
            while !stopped.load(ordering: .relaxed) {
                do {
                    try refresh()
                    if Date().timeIntervalSince(lastRecord) >= recordInterval {
                        lastRecord = Date()
                        try recordUse(since: &recorded)
                    }
                    lastError = ""
                } catch {
                    let text = "\(error)"
                    if text != lastError { ServerLog.error("API keys could not be loaded: \(text)") }
                    lastError = text
                }
                Thread.sleep(forTimeInterval: isLoaded ? refreshInterval : 0.5)
            }
            try? recordUse(since: &recorded)
        }
        thread.name = "insikt-keys"
        thread.start()
    }

    public func stop() {
        stopped.store(true, ordering: .relaxed)
    }

    private func recordUse(since recorded: inout [String: Int64]) throws {
        let all = keys.withLock { Array($0.values) }
        var uses: [(id: String, at: Double)] = []
        for key in all {
            let at = key.lastUsed.load(ordering: .relaxed)
            if at > 0 && at != recorded[key.id] { uses.append((key.id, Double(at))) }
        }
        try repository.recordUse(uses)
        for use in uses { recorded[use.id] = Int64(use.at) }
    }
}
