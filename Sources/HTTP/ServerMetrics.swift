import Foundation
import Locks

/// Request counts by route and status, a latency histogram and open connections, in
/// Prometheus text format. Each event loop records into its own stripe, so recording never
/// contends; `/metrics` reads the stripes one by one.
public final class ServerMetrics: Sendable {
    static let bucketBounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    struct Key: Hashable {
        let method: String
        let route: String
        let status: Int
    }

    final class Stripe: Sendable {
        let counts = Monitor(Counts())
    }

    struct Counts {
        var requests: [Key: Int] = [:]
        var buckets = [Int](repeating: 0, count: ServerMetrics.bucketBounds.count + 1)
        var latencySum = 0.0
        var latencyCount = 0
    }

    private let stripes: [Stripe]
    private let openConnections = Monitor(0)
    private let providers = Monitor<[@Sendable () -> String]>([])
    /// Extra text appended by other layers (the database pool).
    public var extraProviders: [@Sendable () -> String] {
        get { providers.withLock { $0 } }
        set { providers.withLock { $0 = newValue } }
    }

    public init(stripes: Int) {
        self.stripes = (0..<max(1, stripes)).map { _ in Stripe() }
    }

    func record(stripe: Int, method: HTTPMethod, route: String, status: Int, seconds: Double) {
        let key = Key(method: method.description, route: route, status: status)
        var bucket = ServerMetrics.bucketBounds.count
        for (i, bound) in ServerMetrics.bucketBounds.enumerated() where seconds <= bound {
            bucket = i
            break
        }
        stripes[stripe].counts.withLock { s in
            s.requests[key, default: 0] += 1
            s.buckets[bucket] += 1
            s.latencySum += seconds
            s.latencyCount += 1
        }
    }

    /// Counts a new connection unless `limit` are open; returns false when full.
    func openConnection(limit: Int) -> Bool {
        openConnections.withLock { open in
            guard open < limit else { return false }
            open += 1
            return true
        }
    }

    func closeConnection() {
        openConnections.withLock { $0 -= 1 }
    }

    public var connectionCount: Int { openConnections.withLock { $0 } }

    public func render() -> String {
        var requests: [Key: Int] = [:]
        var buckets = [Int](repeating: 0, count: ServerMetrics.bucketBounds.count + 1)
        var sum = 0.0
        var count = 0
        for stripe in stripes {
            let s = stripe.counts.withLock { $0 }
            requests.merge(s.requests, uniquingKeysWith: +)
            for i in buckets.indices { buckets[i] += s.buckets[i] }
            sum += s.latencySum
            count += s.latencyCount
        }
        var out = "# HELP http_requests_total Requests answered, by method, route and status.\n"
        out += "# TYPE http_requests_total counter\n"
        for (key, value) in requests.sorted(by: { ($0.key.route, $0.key.method, $0.key.status) < ($1.key.route, $1.key.method, $1.key.status) }) {
            out += "http_requests_total{method=\"\(key.method)\",route=\"\(escape(key.route))\",status=\"\(key.status)\"} \(value)\n"
        }
        out += "# HELP http_request_duration_seconds Time from the request head to the response.\n"
        out += "# TYPE http_request_duration_seconds histogram\n"
        var cumulative = 0
        for (i, bound) in ServerMetrics.bucketBounds.enumerated() {
            cumulative += buckets[i]
            out += "http_request_duration_seconds_bucket{le=\"\(bound)\"} \(cumulative)\n"
        }
        cumulative += buckets[ServerMetrics.bucketBounds.count]
        out += "http_request_duration_seconds_bucket{le=\"+Inf\"} \(cumulative)\n"
        out += "http_request_duration_seconds_sum \(sum)\n"
        out += "http_request_duration_seconds_count \(count)\n"
        out += "# HELP http_open_connections Open client connections.\n"
        out += "# TYPE http_open_connections gauge\n"
        out += "http_open_connections \(connectionCount)\n"
        for provider in extraProviders { out += provider() }
        return out
    }

    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}
