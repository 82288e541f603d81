import HTTP
import JSON

/// The fields of a create, replace or change, checked column by column. Errors name the field
/// (JSON Pointer for bodies, the parameter for links).
public struct AirportFields: Sendable {
    public private(set) var values: [AirportColumn: AirportValue] = [:]

    public init() {}

    public subscript(column: AirportColumn) -> AirportValue? { values[column] }

    public var isEmpty: Bool { values.isEmpty }

    public mutating func set(_ column: AirportColumn, _ value: AirportValue) {
        values[column] = value
    }

    /// From a JSON object body. `merge` (PATCH) lets `null` clear a nullable field.
    public static func fromJSON(_ body: JSONValue, allowID: Bool) throws -> AirportFields {
        guard case let .object(members) = body else {
            throw HTTPError.badRequest("The body must be a JSON object of airport fields.")
        }
        var fields = AirportFields()
        var errors = ProblemList()
        for member in members {
            let pointer = "/" + JSONValue.pointerToken(member.key)
            guard let column = AirportColumn(fieldName: member.key), allowID || column != .id else {
                errors.append(ProblemField(pointer: pointer, detail: member.key == "id" ? "id is given by the path" : "unknown field"))
                continue
            }
            do {
                fields.values[column] = try value(column, json: member.value)
            } catch let error as FieldError {
                errors.append(ProblemField(pointer: pointer, detail: error.detail))
            }
        }
        guard errors.isEmpty else { throw errors.badRequest("The airport is not valid.") }
        return fields
    }

    /// From the query of a link (`/airports/create?name=...`). An empty value is null.
    public static func fromQuery(_ items: [(name: String, value: String)], allowID: Bool) throws -> AirportFields {
        var fields = AirportFields()
        var errors = ProblemList()
        for item in items {
            guard let column = AirportColumn(fieldName: item.name), allowID || column != .id else {
                errors.append(ProblemField(pointer: nil, detail: "unknown parameter", extra: [("parameter", .string(item.name))]))
                continue
            }
            if fields.values[column] != nil {
                errors.append(ProblemField(pointer: nil, detail: "given more than once", extra: [("parameter", .string(item.name))]))
                continue
            }
            do {
                fields.values[column] = try value(column, text: item.value)
            } catch let error as FieldError {
                errors.append(ProblemField(pointer: nil, detail: error.detail, extra: [("parameter", .string(item.name))]))
            }
        }
        guard errors.isEmpty else { throw errors.badRequest("The airport is not valid.") }
        return fields
    }

    /// The fields as JSON, to keep a staged change.
    public var json: JSONValue {
        .object(AirportColumn.allCases.compactMap { column in
            guard let value = values[column] else { return nil }
            switch value {
            case .null: return JSONMember(key: column.name, value: .null)
            case let .text(s): return JSONMember(key: column.name, value: .string(s))
            case let .integer(i): return JSONMember(key: column.name, value: .number(JSONNumber(i)))
            case let .number(d): return JSONMember(key: column.name, value: .number(JSONNumber(text: "\(d)", isIntegerLiteral: false)))
            }
        })
    }

    /// Required columns present and not null (create, replace).
    public func requireComplete() throws {
        let missing = AirportColumn.allCases.filter { $0.requiredOnCreate && (values[$0] == nil || values[$0] == .null) }
        guard missing.isEmpty else {
            throw HTTPError.badRequest("Required fields are missing.", errors: missing.map {
                ProblemField(pointer: "/" + $0.name, detail: values[$0] == .null ? "must not be null" : "is required")
            })
        }
    }

    /// A change must not null a required column.
    public func requireNoNullRequired() throws {
        let nulled = AirportColumn.allCases.filter { $0.requiredOnCreate && values[$0] == .null }
        guard nulled.isEmpty else {
            throw HTTPError.badRequest("Required fields cannot be cleared.", errors: nulled.map {
                ProblemField(pointer: "/" + $0.name, detail: "must not be null")
            })
        }
    }

    struct FieldError: Error {
        let detail: String

        init(detail: String) {
            self.detail = detail
        }

        /// A number that is not one, or out of its column's range: the detail gives the range.
        init(_ column: AirportColumn) {
            detail = "must be \(column.allowedValues)"
        }
    }

    static func value(_ column: AirportColumn, json: JSONValue) throws -> AirportValue {
        if json == .null {
            if column == .id { throw FieldError(detail: "must not be null") }
            return .null
        }
        switch column.kind {
        case .text, .dst:
            guard case let .string(s) = json else { throw FieldError(detail: "must be a string") }
            return try value(column, text: s, emptyIsNull: false)
        case .identifier, .integer:
            guard case let .number(n) = json, n.isIntegerLiteral, let i = n.int64 else { throw FieldError(column) }
            return try checked(column, .integer(i))
        case .latitude, .longitude, .number:
            guard case let .number(n) = json, let d = n.double else { throw FieldError(column) }
            return try checked(column, .number(d))
        }
    }

    static func value(_ column: AirportColumn, text: String, emptyIsNull: Bool = true) throws -> AirportValue {
        if text.isEmpty && emptyIsNull && column != .id { return .null }
        if text.unicodeScalars.contains(where: { $0.value == 0 }) { throw FieldError(detail: "must not contain U+0000") }
        switch column.kind {
        case .text:
            guard text.utf8.count <= 1000 else { throw FieldError(detail: "must be at most 1000 bytes") }
            return .text(text)
        case .dst:
            guard AirportColumn.dstValues.contains(text) else { throw FieldError(detail: "must be one of E A S O Z N U") }
            return .text(text)
        case .identifier, .integer:
            guard let i = Int64(text) else { throw FieldError(column) }
            return try checked(column, .integer(i))
        case .latitude, .longitude, .number:
            guard NumberSyntax.isDecimal(Array(text.utf8)), let d = Double(text) else { throw FieldError(column) }
            return try checked(column, .number(d))
        }
    }

    static func checked(_ column: AirportColumn, _ value: AirportValue) throws -> AirportValue {
        guard isInRange(column, value) else { throw FieldError(column) }
        return value
    }

    /// Whether a number lies in its column's range (`AirportColumn.allowedValues`).
    public static func isInRange(_ column: AirportColumn, _ value: AirportValue) -> Bool {
        switch (column, value) {
        case let (.id, .integer(i)): return i >= 0 && i <= AirportColumn.maxID
        case let (.altitude, .integer(i)): return i >= Int64(Int32.min) && i <= Int64(Int32.max)
        case let (_, .number(d)):
            guard let bound = column.symmetricBound else { return true }
            return d >= -bound && d <= bound
        default: return true
        }
    }
}

/// `-?digits(.digits)?([eE][+-]?digits)?`: what the CSV and the links accept as a number
/// (strtod alone would take `inf`, `nan`, hex and leading spaces).
enum NumberSyntax {
    static func isDecimal(_ b: [UInt8]) -> Bool {
        b.withUnsafeBufferPointer { isDecimal($0) }
    }

    static func isDecimal(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = b.count
        func digits() -> Bool {
            let start = i
            while i < n, b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
            return i > start
        }
        if i < n, b[i] == UInt8(ascii: "-") { i += 1 }
        guard digits() else { return false }
        if i < n, b[i] == UInt8(ascii: ".") {
            i += 1
            guard digits() else { return false }
        }
        if i < n, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < n, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() else { return false }
        }
        return i == n
    }

    /// The value of bytes `isInteger` accepted (at most 18 digits, so no overflow).
    static func integerValue(_ b: UnsafeBufferPointer<UInt8>) -> Int64 {
        let negative = b[0] == UInt8(ascii: "-")
        var value: Int64 = 0
        for byte in b[(negative ? 1 : 0)...] { value = value * 10 + Int64(byte - 0x30) }
        return negative ? -value : value
    }

    static func isInteger(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
        guard i < b.count, b.count - i <= 18 else { return false }
        while i < b.count {
            guard b[i] >= 0x30 && b[i] <= 0x39 else { return false }
            i += 1
        }
        return true
    }
}
