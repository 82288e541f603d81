/// A value that travels as a query parameter, in PostgreSQL's text format. Values never enter
/// the SQL text.
public protocol PostgresEncodable {
    var postgresText: String? { get }
}

extension String: PostgresEncodable {
    public var postgresText: String? { self }
}

extension Substring: PostgresEncodable {
    public var postgresText: String? { String(self) }
}

extension Int: PostgresEncodable {
    public var postgresText: String? { String(self) }
}

extension Int64: PostgresEncodable {
    public var postgresText: String? { String(self) }
}

extension Int32: PostgresEncodable {
    public var postgresText: String? { String(self) }
}

extension Double: PostgresEncodable {
    public var postgresText: String? { "\(self)" }
}

extension Bool: PostgresEncodable {
    public var postgresText: String? { self ? "t" : "f" }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresText: String? { self?.postgresText }
}

/// An array parameter (`int8[]`, `text[]`), written as a PostgreSQL array literal.
public struct PostgresArray<Element: PostgresEncodable>: PostgresEncodable {
    public let elements: [Element]

    public init(_ elements: [Element]) {
        self.elements = elements
    }

    public var postgresText: String? {
        var out = "{"
        for (i, element) in elements.enumerated() {
            if i > 0 { out += "," }
            guard let text = element.postgresText else { out += "NULL"; continue }
            out += "\""
            for c in text.unicodeScalars {
                if c == "\"" || c == "\\" { out += "\\" }
                out.unicodeScalars.append(c)
            }
            out += "\""
        }
        return out + "}"
    }
}
