/// An RFC 4180 reader that works on bytes as they arrive: quoted fields, doubled quotes, commas and
/// line breaks inside quotes, LF or CRLF line ends, a last line without a newline. An empty
/// unquoted field is NULL, a quoted `""` an empty string. Fields are handed out as byte ranges of a
/// record buffer that is reused, so a file of any size costs no allocation per field; the bytes
/// between delimiters are found by a tight scan and copied as one run.
public struct CSVReader {
    public struct Failure: Error, Equatable {
        public let line: Int
        public let column: Int
        public let message: String
    }

    /// One record: its fields as ranges into `bytes`, and the physical line it starts on. Valid
    /// only while the callback that receives it runs.
    public struct Record {
        /// The fields' contents back to back (quotes removed, doubled quotes undoubled).
        public let bytes: UnsafeBufferPointer<UInt8>
        public let fields: [Field]
        public let line: Int

        public struct Field {
            public let range: Range<Int>
            public let quoted: Bool
        }

        public var count: Int { fields.count }

        /// Null: an empty unquoted field, or the OpenFlights marker `\N` unquoted.
        public func isNull(_ index: Int) -> Bool {
            let field = fields[index]
            if field.quoted { return false }
            if field.range.isEmpty { return true }
            return field.range.count == 2 && bytes[field.range.lowerBound] == UInt8(ascii: "\\")
                && bytes[field.range.lowerBound + 1] == UInt8(ascii: "N")
        }

        public func field(_ index: Int) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(rebasing: bytes[fields[index].range])
        }

        public func string(_ index: Int) -> String {
            String(decoding: field(index), as: UTF8.self)
        }
    }

    private enum State {
        case fieldStart, unquoted, quoted, quoteInQuoted, afterCR
    }

    private static let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), lf: UInt8 = 0x0A, cr: UInt8 = 0x0D

    private var state = State.fieldStart
    private let buffer = ByteBuffer()
    private var fields: [Record.Field] = []
    private var fieldStart = 0
    private var fieldQuoted = false
    private var quoteLine = 1
    private var line = 1
    private var recordLine = 1
    private var recordHasContent = false

    public init() {}

    /// Reads `input`, calling `onRecord` for each complete record.
    public mutating func feed(_ input: UnsafeBufferPointer<UInt8>, onRecord: (Record) throws -> Void) throws {
        guard let p = input.baseAddress else { return }
        let n = input.count
        var i = 0
        while i < n {
            switch state {
            case .fieldStart:
                recordHasContent = true
                if p[i] == CSVReader.quote {
                    fieldQuoted = true
                    quoteLine = line
                    state = .quoted
                } else if try !endField(at: p[i], onRecord) {
                    state = .unquoted
                    continue  // the unquoted scan takes this byte
                }
                i += 1
            case .unquoted:
                let start = i
                while i < n && !CSVReader.isDelimiter(p[i]) { i += 1 }
                buffer.append(p + start, count: i - start)
                guard i < n else { return }
                guard try endField(at: p[i], onRecord) else { throw failure("a quote inside an unquoted field") }
                i += 1
            case .quoted:
                let start = i
                while i < n && p[i] != CSVReader.quote {
                    if p[i] == CSVReader.lf { line += 1 }
                    i += 1
                }
                buffer.append(p + start, count: i - start)
                guard i < n else { return }
                state = .quoteInQuoted
                i += 1
            case .quoteInQuoted:
                if p[i] == CSVReader.quote {
                    buffer.append(CSVReader.quote)
                    state = .quoted
                } else if try !endField(at: p[i], onRecord) {
                    throw failure("text after a closing quote")
                }
                i += 1
            case .afterCR:
                guard p[i] == CSVReader.lf else { throw failure("a carriage return not followed by a line feed") }
                try endRecord(onRecord)
                line += 1
                state = .fieldStart
                i += 1
            }
        }
    }

    /// The end of the input: the last record may lack its newline; an open quote is an error.
    public mutating func finish(onRecord: (Record) throws -> Void) throws {
        switch state {
        case .quoted:
            throw Failure(line: quoteLine, column: fields.count + 1, message: "a quoted field opened here is not closed before the end of the file")
        case .afterCR:
            try endRecord(onRecord)
        case .unquoted, .quoteInQuoted:
            endField()
            try endRecord(onRecord)
        case .fieldStart:
            if recordHasContent && !fields.isEmpty {
                endField()
                try endRecord(onRecord)
            }
        }
        state = .fieldStart
    }

    /// Comma, quote, LF or CR; all four are at most 0x2C, most field bytes are above.
    @inline(__always)
    private static func isDelimiter(_ b: UInt8) -> Bool {
        b <= comma && (b == comma || b == quote || b == lf || b == cr)
    }

    /// A comma, LF or CR after a field ends it (and an LF the record); false for any other byte.
    private mutating func endField(at b: UInt8, _ onRecord: (Record) throws -> Void) throws -> Bool {
        switch b {
        case CSVReader.comma: endField(); state = .fieldStart
        case CSVReader.lf: endField(); try endRecord(onRecord); line += 1; state = .fieldStart
        case CSVReader.cr: endField(); state = .afterCR
        default: return false
        }
        return true
    }

    private mutating func endField() {
        fields.append(Record.Field(range: fieldStart..<buffer.count, quoted: fieldQuoted))
        fieldStart = buffer.count
        fieldQuoted = false
    }

    private mutating func endRecord(_ onRecord: (Record) throws -> Void) throws {
        try onRecord(Record(bytes: buffer.contents, fields: fields, line: recordLine))
        buffer.removeAll()
        fields.removeAll(keepingCapacity: true)
        fieldStart = 0
        recordHasContent = false
        recordLine = line + 1
    }

    private func failure(_ message: String) -> Failure {
        Failure(line: line, column: fields.count + 1, message: message)
    }
}

/// A growable byte buffer that copies runs with memcpy and never checks uniqueness.
final class ByteBuffer {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int = 1024) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    deinit {
        base.deallocate()
    }

    var contents: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    func append(_ bytes: UnsafePointer<UInt8>, count n: Int) {
        guard n > 0 else { return }
        if count + n > capacity { grow(to: count + n) }
        (base + count).update(from: bytes, count: n)
        count += n
    }

    func append(_ byte: UInt8) {
        if count == capacity { grow(to: count + 1) }
        base[count] = byte
        count += 1
    }

    func removeAll() {
        count = 0
    }

    private func grow(to needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }
}
