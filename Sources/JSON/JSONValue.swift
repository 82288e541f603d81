/// A parsed JSON document. Objects keep their members in source order.
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// The member named `key` of an object, or nil.
    public subscript(key: String) -> JSONValue? {
        guard case let .object(members) = self else { return nil }
        return members.first(where: { $0.key == key })?.value
    }

    public var stringValue: String? {
        if case let .string(s) = self { return s }
        return nil
    }

    /// The value as an Int64 when it is a JSON integer literal that fits.
    public var int64Value: Int64? {
        if case let .number(n) = self { return n.int64 }
        return nil
    }

    public var doubleValue: Double? {
        if case let .number(n) = self { return n.double }
        return nil
    }
}

/// One member of an object. (A struct, not a labelled tuple: arrays of tuples cost a runtime
/// metadata lookup per use, which showed up as a tenth of an import's time.)
public struct JSONMember: Sendable {
    public var key: String
    public var value: JSONValue

    public init(key: String, value: JSONValue) {
        self.key = key
        self.value = value
    }
}

/// A JSON number as written, so integer literals can be told apart from `1.0` or `1e2`.
public struct JSONNumber: Equatable, Sendable {
    public let text: String
    /// True when the literal has no fraction and no exponent.
    public let isIntegerLiteral: Bool

    public init(text: String, isIntegerLiteral: Bool) {
        self.text = text
        self.isIntegerLiteral = isIntegerLiteral
    }

    public init(_ value: Int64) {
        self.text = String(value)
        self.isIntegerLiteral = true
    }

    public var int64: Int64? { isIntegerLiteral ? Int64(text) : nil }
    public var double: Double? { Double(text) }
}
