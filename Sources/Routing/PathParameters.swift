import HTTP

/// Path parameters matched by the router.
public struct PathParameters: Sendable {
    public private(set) var integers: [(String, Int64)] = []
    public private(set) var strings: [(String, String)] = []

    public init() {}

    public var isEmpty: Bool { integers.isEmpty && strings.isEmpty }

    mutating func add(_ name: String, integer: Int64) { integers.append((name, integer)) }
    mutating func add(_ name: String, string: String) { strings.append((name, string)) }

    /// A name the route's template does not have: a bug in the route table, answered 500 and
    /// logged with the names, never a crash.
    public struct Missing: Error, CustomStringConvertible {
        public let name: String
        public let known: [String]
        public var description: String { "the route has no path parameter \(name) (it has \(known.joined(separator: ", ")))" }
    }

    public func int(_ name: String) throws -> Int64 {
        guard let value = integers.first(where: { $0.0 == name })?.1 else {
            throw Missing(name: name, known: integers.map(\.0) + strings.map(\.0))
        }
        return value
    }

    public func string(_ name: String) throws -> String {
        guard let value = strings.first(where: { $0.0 == name })?.1 else {
            throw Missing(name: name, known: integers.map(\.0) + strings.map(\.0))
        }
        return value
    }
}
