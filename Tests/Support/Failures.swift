import Locks

/// Failures collected from several threads, reported together at the end of a test.
public final class Failures: Sendable {
    private let items = Monitor<[String]>([])

    public init() {}

    public func add(_ item: String) { items.withLock { $0.append(item) } }
    public var all: [String] { items.withLock { $0 } }
}
