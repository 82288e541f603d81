import Glibc
import HTTP
import JSON

/// Checks the records of an uploaded CSV (header, column count, types, ranges, unique ids, UTF-8)
/// and writes each good row as a line of PostgreSQL's COPY text format. Errors carry the physical
/// line and the column name.
struct AirportRowChecker {
    static let maxErrors = 100
    private(set) var errors: [ProblemField] = []
    private(set) var rows = 0
    private var headerSeen = false
    var sawHeader: Bool { headerSeen }
    private var seenIds = Set<Int64>()

    var isFull: Bool { errors.count >= AirportRowChecker.maxErrors }

    mutating func fail(line: Int, column: String, _ detail: String) {
        guard !isFull else { return }
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
                fail(line: record.line, column: "header", "the header must be \(AirportColumn.allCases.map(\.csvName).joined(separator: ","))")
            }
            return
        }
        rows += 1
        guard record.count == AirportColumn.allCases.count else {
            fail(line: record.line, column: "-", "expected \(AirportColumn.allCases.count) columns, found \(record.count)")
            return
        }
        let errorsBefore = errors.count
        let start = out.count
        for column in AirportColumn.allCases {
            if column.rawValue > 0 { out.append(0x09) }
            checkField(record, column, into: &out)
        }
        out.append(0x0A)
        if errors.count != errorsBefore { out.removeSubrange(start...) }
    }

    private mutating func checkField(_ record: CSVReader.Record, _ column: AirportColumn, into out: inout [UInt8]) {
        let index = column.rawValue
        let line = record.line
        if record.isNull(index) {
            switch column {
            case .id, .latitude, .longitude: fail(line: line, column: column.csvName, "is required")
            default: out.append(contentsOf: [0x5C, UInt8(ascii: "N")])
            }
            return
        }
        record.withField(index) { bytes in
            guard UTF8Validation.isValid(bytes) else {
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
                guard bytes.count == 1, AirportColumn.dstValues.contains(String(UnicodeScalar(bytes[0]))) else {
                    fail(line: line, column: column.csvName, "must be one of E A S O Z N U")
                    return
                }
                out.append(bytes[0])
            case .identifier:
                guard NumberSyntax.isInteger(bytes), bytes[0] != UInt8(ascii: "-"), let id = Int64(String(decoding: bytes, as: UTF8.self)) else {
                    fail(line: line, column: column.csvName, "must be a non-negative integer")
                    return
                }
                if !seenIds.insert(id).inserted {
                    fail(line: line, column: column.csvName, "id \(id) appears more than once in the file")
                    return
                }
                out.append(contentsOf: bytes)
            case .integer:
                guard NumberSyntax.isInteger(bytes), let value = Int64(String(decoding: bytes, as: UTF8.self)),
                      value >= Int64(Int32.min), value <= Int64(Int32.max) else {
                    fail(line: line, column: column.csvName, "must be an integer")
                    return
                }
                out.append(contentsOf: bytes)
            case .latitude, .longitude, .number:
                guard NumberSyntax.isDecimal(bytes), let value = AirportRowChecker.parseDouble(bytes) else {
                    fail(line: line, column: column.csvName, "must be a number")
                    return
                }
                let (low, high): (Double, Double) = column == .latitude ? (-90, 90) : column == .longitude ? (-180, 180) : (-24, 24)
                guard value >= low && value <= high else {
                    fail(line: line, column: column.csvName, "must be between \(Int(low)) and \(Int(high))")
                    return
                }
                out.append(contentsOf: bytes)
            }
        }
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
