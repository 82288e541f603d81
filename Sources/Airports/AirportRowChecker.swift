import Glibc
import HTTP
import JSON

/// Checks the records of an uploaded CSV (header, column count, types, ranges, unique ids, UTF-8)
/// and writes each good row as a line of PostgreSQL's COPY text format. Errors carry the physical
/// line and the column name.
struct AirportRowChecker {
    private(set) var errors = ProblemList()
    private(set) var rows = 0
    private var headerSeen = false
    var sawHeader: Bool { headerSeen }
    private var seenIds = Set<Int64>()

    mutating func fail(line: Int, column: String, _ detail: String) {
        errors.append(ProblemField(pointer: nil, detail: detail, extra: [("line", .number(JSONNumber(Int64(line)))),
                                                                          ("column", .string(column))]))
    }

    /// Checks one record; a good data row is appended to `out` as a COPY line.
    mutating func check(_ record: CSVReader.Record, into out: inout [UInt8]) {
        guard headerSeen else {
            headerSeen = true
            let expected = AirportColumn.allCases.map { $0.csvName.lowercased() }
            let found = (0..<record.count).map { record.string($0).lowercased() }
            if found != expected {
                fail(line: record.line, column: "header", "the header must be \(AirportRowChecker.header)")
            }
            return
        }
        rows += 1
        let columns = AirportRowChecker.columns
        guard record.count == columns.count else {
            fail(line: record.line, column: "-", "expected \(columns.count) columns, found \(record.count)")
            return
        }
        let errorsBefore = errors.count
        let start = out.count
        // Most rows are ASCII: one check for the whole row spares one UTF-8 check per field.
        let ascii = ASCII.isAll(record.bytes)
        for column in columns {
            if column.rawValue > 0 { out.append(0x09) }
            checkField(record, column, ascii: ascii, into: &out)
        }
        out.append(0x0A)
        if errors.count != errorsBefore { out.removeSubrange(start...) }
    }

    private static let columns = AirportColumn.allCases
    static let header = AirportColumn.allCases.map(\.csvName).joined(separator: ",")
    private static let dstBytes = AirportColumn.dstValues.map { $0.utf8.first! }

    private mutating func checkField(_ record: CSVReader.Record, _ column: AirportColumn, ascii: Bool, into out: inout [UInt8]) {
        let index = column.rawValue
        let line = record.line
        if record.isNull(index) {
            switch column {
            case .id, .latitude, .longitude: fail(line: line, column: column.csvName, "is required")
            default: out.append(contentsOf: [0x5C, UInt8(ascii: "N")])
            }
            return
        }
        let bytes = record.field(index)
        guard ascii || UTF8Validation.isValid(bytes) else {
            fail(line: line, column: column.csvName, "is not valid UTF-8")
            return
        }
        switch column.kind {
        case .text:
            guard !bytes.contains(0) else {
                fail(line: line, column: column.csvName, "must not contain NUL")
                return
            }
            CopyText.escape(bytes, to: &out)
        case .dst:
            guard bytes.count == 1, AirportRowChecker.dstBytes.contains(bytes[0]) else {
                fail(line: line, column: column.csvName, "must be one of E A S O Z N U")
                return
            }
            out.append(bytes[0])
        case .identifier:
            // isInteger takes at most 18 digits: every such id is within AirportColumn.maxID.
            guard NumberSyntax.isInteger(bytes), bytes[0] != UInt8(ascii: "-") else {
                fail(line: line, column: column.csvName, "must be \(column.allowedValues)")
                return
            }
            let id = NumberSyntax.integerValue(bytes)
            if !seenIds.insert(id).inserted {
                fail(line: line, column: column.csvName, "id \(id) appears more than once in the file")
                return
            }
            out.append(contentsOf: bytes)
        case .integer:
            guard NumberSyntax.isInteger(bytes), case let value = NumberSyntax.integerValue(bytes),
                  AirportFields.isInRange(column, .integer(value)) else {
                fail(line: line, column: column.csvName, "must be \(column.allowedValues)")
                return
            }
            out.append(contentsOf: bytes)
        case .latitude, .longitude, .number:
            guard NumberSyntax.isDecimal(bytes), bytes.count < 64,
                  AirportRowChecker.isWithin(bytes, bound: Int(column.symmetricBound ?? 0)) else {
                fail(line: line, column: column.csvName, "must be \(column.allowedValues)")
                return
            }
            out.append(contentsOf: bytes)
        }
    }

    /// Whether a checked decimal lies in [-bound, bound]. The integer part decides all but the
    /// values at the bound itself and exponents, which go through strtod.
    static func isWithin(_ bytes: UnsafeBufferPointer<UInt8>, bound: Int) -> Bool {
        var i = bytes[0] == UInt8(ascii: "-") ? 1 : 0
        while i < bytes.count - 1 && bytes[i] == UInt8(ascii: "0") && bytes[i + 1] != UInt8(ascii: ".") { i += 1 }
        var integerPart = 0
        var digits = 0
        while i < bytes.count, bytes[i] >= 0x30 && bytes[i] <= 0x39 {
            integerPart = integerPart * 10 + Int(bytes[i] - 0x30)
            digits += 1
            if digits > 6 { break }
            i += 1
        }
        let hasExponent = bytes.contains(UInt8(ascii: "e")) || bytes.contains(UInt8(ascii: "E"))
        if !hasExponent && digits <= 6 {
            if integerPart < bound { return true }
            if integerPart > bound { return false }
        }
        guard let value = parseDouble(bytes) else { return false }
        return value >= -Double(bound) && value <= Double(bound)
    }

    /// strtod on a short, already checked decimal.
    static func parseDouble(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        guard bytes.count < 64 else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
            for i in 0..<bytes.count { buffer[i] = CChar(bitPattern: bytes[i]) }
            buffer[bytes.count] = 0
            let value = strtod(buffer.baseAddress!, nil)
            return value.isFinite ? value : nil
        }
    }
}

/// ASCII checks eight bytes at a time.
enum ASCII {
    static func isAll(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let raw = UnsafeRawPointer(base)
        var i = 0
        while i + 8 <= bytes.count {
            if raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
            i += 8
        }
        while i < bytes.count {
            if base[i] >= 0x80 { return false }
            i += 1
        }
        return true
    }
}

/// PostgreSQL's COPY text format.
enum CopyText {
    static func escape(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        var runStart = 0
        for i in 0..<bytes.count {
            let b = bytes[i]
            guard b == 0x5C || b == 0x09 || b == 0x0A || b == 0x0D else { continue }
            if runStart < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i])) }
            out.append(0x5C)
            out.append(b == 0x5C ? 0x5C : b == 0x09 ? UInt8(ascii: "t") : b == 0x0A ? UInt8(ascii: "n") : UInt8(ascii: "r"))
            runStart = i + 1
        }
        if runStart < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...])) }
    }

    static func escape(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { escape($0, to: &out) }
    }
}
