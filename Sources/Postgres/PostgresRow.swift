import CLibPQ

/// A column of a result, found by its name (`PostgresResult.column(_:)`). Found once per result,
/// it is read in every row by its index, with no search per value.
public struct PostgresColumn: Sendable, Equatable {
    public let index: Int
}

/// A column name the statement does not return: a reader's bug, reported instead of read as NULL.
public struct PostgresMissingColumn: Error, CustomStringConvertible, Sendable {
    public let name: String
    /// The columns the result has.
    public let columns: [String]

    public var description: String {
        "the result has no column \"\(name)\" (its columns: \(columns.map { "\"\($0)\"" }.joined(separator: ", ")))"
    }
}

extension PostgresResult {
    /// The column called `name`, exactly as the result names it (the SELECT list's name or `AS`
    /// name; PostgreSQL folds unquoted names to lower case). Throws `PostgresMissingColumn` when
    /// there is none. The search starts after `previous`: a reader that finds a SELECT list's
    /// columns in its order compares one name each.
    public func column(_ name: String, after previous: PostgresColumn? = nil) throws -> PostgresColumn {
        // Compared here rather than with PQfnumber: handing a Swift string to C copies it to the
        // heap, which cost 500 instructions a name, a fifth of GET /airports/{id}.
        let count = columnCount
        let start = previous.map { $0.index + 1 } ?? 0
        var wanted = name
        let found = wanted.withUTF8 { wanted -> Int? in
            for offset in 0..<count {
                let index = (start + offset) % count
                if PostgresResult.is(PQfname(result, Int32(index)), wanted) { return index }
            }
            return nil
        }
        guard let found else { throw PostgresMissingColumn(name: name, columns: columnNames) }
        return PostgresColumn(index: found)
    }

    /// Whether the NUL-terminated `field` is exactly `name`.
    private static func `is`(_ field: UnsafeMutablePointer<CChar>?, _ name: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let field else { return false }
        let bytes = UnsafeRawPointer(field).assumingMemoryBound(to: UInt8.self)
        // A shorter field differs at its NUL, so no byte past it is read.
        for i in 0..<name.count where bytes[i] != name[i] { return false }
        return bytes[name.count] == 0
    }

    public var columnNames: [String] {
        (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
    }

    public func row(_ index: Int) -> PostgresRow {
        PostgresRow(result: self, index: index)
    }

    public var rows: PostgresRows { PostgresRows(result: self) }
}

/// The rows of a result, in order.
public struct PostgresRows: RandomAccessCollection {
    public let result: PostgresResult

    public var startIndex: Int { 0 }
    public var endIndex: Int { result.rowCount }
    public subscript(index: Int) -> PostgresRow { PostgresRow(result: result, index: index) }
}

/// One row of a result, its values read by column. A reader of many rows finds its columns once
/// (`result.column("id")`) and reads them in each row; a reader of one row may name them here
/// (`row.int("id")`), each name then looked up once (libpq's `PQfnumber`).
/// Text-format results (`query`) as PostgreSQL prints values; `withBytes` also reads binary ones.
public struct PostgresRow {
    public let result: PostgresResult
    public let index: Int

    @inlinable public func isNull(_ column: PostgresColumn) -> Bool { result.isNull(index, column.index) }
    @inlinable public func int(_ column: PostgresColumn) -> Int64? { result.int(index, column.index) }
    public func string(_ column: PostgresColumn) -> String? { result.string(index, column.index) }
    public func double(_ column: PostgresColumn) -> Double? { result.double(index, column.index) }
    public func bool(_ column: PostgresColumn) -> Bool? { result.bool(index, column.index) }

    /// The raw bytes of a value, without making a String (empty for NULL).
    @inlinable
    public func withBytes<T>(_ column: PostgresColumn, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        try result.withBytes(index, column.index, body)
    }

    public func isNull(_ name: String) throws -> Bool { isNull(try result.column(name)) }
    public func int(_ name: String) throws -> Int64? { int(try result.column(name)) }
    public func string(_ name: String) throws -> String? { string(try result.column(name)) }
    public func double(_ name: String) throws -> Double? { double(try result.column(name)) }
    public func bool(_ name: String) throws -> Bool? { bool(try result.column(name)) }

    public func withBytes<T>(_ name: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) throws -> T {
        try withBytes(try result.column(name), body)
    }
}
