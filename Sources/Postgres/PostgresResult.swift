import CLibPQ

/// The rows of one statement, read in text format. The accessors are inlinable: readers call
/// them for every value of every row, and unspecialised generic calls across the module boundary
/// led the profiles of the large reads.
public final class PostgresResult {
    @usableFromInline let result: OpaquePointer

    init(_ result: OpaquePointer) {
        self.result = result
    }

    deinit {
        PQclear(result)
    }

    public var rowCount: Int { Int(PQntuples(result)) }
    public var columnCount: Int { Int(PQnfields(result)) }

    /// Rows affected by an INSERT/UPDATE/DELETE.
    public var affectedRows: Int {
        Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    @inlinable
    public func isNull(_ row: Int, _ column: Int) -> Bool {
        PQgetisnull(result, Int32(row), Int32(column)) == 1
    }

    public func string(_ row: Int, _ column: Int) -> String? {
        if isNull(row, column) { return nil }
        let length = Int(PQgetlength(result, Int32(row), Int32(column)))
        let pointer = PQgetvalue(result, Int32(row), Int32(column))!
        return pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
    }

    /// The raw bytes of a text-format value, without making a String.
    @inlinable
    public func withBytes<T>(_ row: Int, _ column: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        let length = Int(PQgetlength(result, Int32(row), Int32(column)))
        let pointer = UnsafeRawPointer(PQgetvalue(result, Int32(row), Int32(column))!).assumingMemoryBound(to: UInt8.self)
        return try body(UnsafeBufferPointer(start: pointer, count: length))
    }

    @inlinable
    public func int(_ row: Int, _ column: Int) -> Int64? {
        if isNull(row, column) { return nil }
        return withBytes(row, column) { bytes in
            var value: Int64 = 0
            var negative = false
            for (i, b) in bytes.enumerated() {
                if i == 0 && b == UInt8(ascii: "-") { negative = true; continue }
                value = value &* 10 &+ Int64(b &- 0x30)
            }
            return negative ? -value : value
        }
    }

    public func double(_ row: Int, _ column: Int) -> Double? {
        string(row, column).flatMap(Double.init)
    }

    public func bool(_ row: Int, _ column: Int) -> Bool? {
        string(row, column).map { $0 == "t" }
    }
}
