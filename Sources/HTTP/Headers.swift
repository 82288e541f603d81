/// Header fields in the order received or set. Names compare case-insensitively.
public struct Headers: Sendable, Sequence {
    public private(set) var fields: [(name: String, value: String)] = []

    public init() {}

    public init(_ fields: [(String, String)]) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    public var count: Int { fields.count }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        fields.makeIterator()
    }

    public mutating func add(_ name: String, _ value: String) {
        fields.append((name, value))
    }

    /// Replaces every field of that name with one.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        fields.append((name, value))
    }

    public mutating func remove(_ name: String) {
        fields.removeAll { Headers.equalsIgnoringCase($0.name, name) }
    }

    public subscript(name: String) -> String? {
        first(name)
    }

    public func first(_ name: String) -> String? {
        for field in fields where Headers.equalsIgnoringCase(field.name, name) { return field.value }
        return nil
    }

    public func contains(_ name: String) -> Bool { first(name) != nil }

    package static func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                guard x.count == y.count else { return false }
                for i in 0..<x.count where x[i] | 0x20 != y[i] | 0x20 {
                    return false
                }
                return true
            }
        }
    }
}

extension StringProtocol {
    /// Without the spaces and tabs around it (a header value's optional whitespace). Foundation's
    /// `trimmingCharacters` costs tens of thousands of instructions a call here: keep it off every request.
    public func trimmingASCIIWhitespace() -> String {
        let text = Substring(self)
        let isText: (UInt8) -> Bool = { $0 != 0x20 && $0 != 0x09 }
        guard let start = text.utf8.firstIndex(where: isText), let end = text.utf8.lastIndex(where: isText) else { return "" }
        return String(text[start...end])
    }
}
