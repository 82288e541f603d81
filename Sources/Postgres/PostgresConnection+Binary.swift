import CLibPQ

/// A parameter of `queryBinary`: text as `query` sends it, or raw bytes in binary format (a
/// bytea travels as itself: no hex text to write here and to parse in the server, half the bytes).
public enum PostgresParameter {
    case text(String?)
    case binary([UInt8])
}

extension PostgresConnection {
    /// Runs one statement with `parameters` (unnamed, not prepared: for the few statements that
    /// move large values, where planning is nothing next to the transfer). With `binaryResult`
    /// every column comes in binary format: a bytea's `withBytes` is its raw bytes.
    @discardableResult
    public func queryBinary(_ sql: String, _ parameters: [PostgresParameter], binaryResult: Bool = false) throws -> PostgresResult {
        let connection = try live()
        let values: [[UInt8]?] = parameters.map {
            switch $0 {
            case .text(let text): text.map { Array($0.utf8) + [0] }
            case .binary(let bytes): bytes.isEmpty ? [0] : bytes
            }
        }
        let lengths: [Int32] = parameters.map {
            switch $0 {
            case .text(let text): Int32(text?.utf8.count ?? 0)
            case .binary(let bytes): Int32(bytes.count)
            }
        }
        let formats: [Int32] = parameters.map {
            if case .binary = $0 { 1 } else { 0 }
        }
        let result = withPointers(values) { pointers in
            PQexecParams(connection, sql, Int32(values.count), nil, pointers, lengths, formats, binaryResult ? 1 : 0)
        }
        return try check(result, expect: nil)
    }
}

/// Pointers to the values' bytes (nil for NULL), valid inside `body`.
private func withPointers<T>(_ values: [[UInt8]?], _ body: ([UnsafePointer<CChar>?]) -> T) -> T {
    var pointers: [UnsafePointer<CChar>?] = []
    pointers.reserveCapacity(values.count)
    func next(_ index: Int) -> T {
        guard index < values.count else { return body(pointers) }
        guard let value = values[index] else {
            pointers.append(nil)
            return next(index + 1)
        }
        return value.withUnsafeBufferPointer { buffer in
            pointers.append(UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self))
            return next(index + 1)
        }
    }
    return next(0)
}
