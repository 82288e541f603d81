import Foundation
import Testing

/// Reading what the server answered without trusting it: every accessor is optional, and the
/// `require...` forms turn an unexpected answer into a failed expectation that prints the answer
/// (status and body), never a crash of the test process.
extension RawResponse {
    /// The body as a JSON object.
    public var object: [String: Any]? { json as? [String: Any] }

    /// `data` as one object (`{"data": {...}}`).
    public var dataObject: [String: Any]? { object?["data"] as? [String: Any] }

    /// `data` as a list of objects (`{"data": [...]}`).
    public var dataArray: [[String: Any]]? { object?["data"] as? [[String: Any]] }

    /// The `errors` of a problem answer.
    public var errors: [[String: Any]]? { object?["errors"] as? [[String: Any]] }

    /// The status and the body, for expectation messages.
    public var summary: String { "\(status) \(text)" }

    /// `value` (read from this answer), or a failed expectation that prints the answer.
    public func require<T>(_ value: T?, _ what: String = "a value", sourceLocation: SourceLocation = #_sourceLocation) throws -> T {
        guard let value else {
            Issue.record("expected \(what) in the answer, got: \(summary)", sourceLocation: sourceLocation)
            throw RawConnection.Failure(description: "unexpected answer: \(summary)")
        }
        return value
    }

    public func requireDataObject(sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        try require(dataObject, "a data object", sourceLocation: sourceLocation)
    }

    public func requireDataArray(sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
        try require(dataArray, "a data array", sourceLocation: sourceLocation)
    }

    /// One member of `data` with the given type, e.g. `let id: Int = try created.dataField("id")`.
    public func dataField<T>(_ key: String, as type: T.Type = T.self, sourceLocation: SourceLocation = #_sourceLocation) throws -> T {
        try require(dataObject?[key] as? T, "data.\(key) as \(T.self)", sourceLocation: sourceLocation)
    }
}

/// Typed members of a JSON object parsed by Foundation; nil when absent or of another type.
extension Dictionary where Key == String, Value == Any {
    public func int(_ key: String) -> Int? { self[key] as? Int }
    public func double(_ key: String) -> Double? { self[key] as? Double }
    public func string(_ key: String) -> String? { self[key] as? String }
    public func object(_ key: String) -> [String: Any]? { self[key] as? [String: Any] }
    public func objects(_ key: String) -> [[String: Any]]? { self[key] as? [[String: Any]] }
    public func ints(_ key: String) -> [Int]? { self[key] as? [Int] }
    public func isNull(_ key: String) -> Bool { self[key] is NSNull }
}
