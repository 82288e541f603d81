/// An RFC 4180 reader that works on bytes as they arrive: quoted fields, doubled quotes, commas and
/// line breaks inside quotes, LF or CRLF line ends, a last line without a newline. An empty
/// unquoted field is NULL, a quoted `""` an empty string. Fields are handed out as byte ranges of a
/// record buffer that is reused, so a file of any size costs no allocation per field.
public struct CSVReader {
    public struct Failure: Error, Equatable {
        public let line: Int
        public let column: Int
        public let message: String
    }

    /// One record: its fields as ranges into `bytes`, and the physical line it starts on.
    public struct Record {
        public fileprivate(set) var bytes: [UInt8] = []
        public fileprivate(set) var fields: [Field] = []
        public fileprivate(set) var line = 1

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

        public func withField<T>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
            try bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[fields[index].range])) }
        }

        public func string(_ index: Int) -> String {
            withField(index) { String(decoding: $0, as: UTF8.self) }
        }
    }

    private enum State {
        case fieldStart, unquoted, quoted, quoteInQuoted, afterCR
    }

    private var state = State.fieldStart
    private var record = Record()
    private var fieldStart = 0
    private var fieldQuoted = false
    private var quoteLine = 1
    private var line = 1
    private var recordHasContent = false

    public init() {}

    /// Reads `input`, calling `onRecord` for each complete record.
    public mutating func feed(_ input: UnsafeBufferPointer<UInt8>, onRecord: (Record) throws -> Void) throws {
        for b in input {
            switch state {
            case .fieldStart:
                recordHasContent = true
                switch b {
                case UInt8(ascii: "\""): fieldQuoted = true; quoteLine = line; state = .quoted
                case UInt8(ascii: ","): endField()
                case 0x0A: endField(); try endRecord(onRecord); line += 1
                case 0x0D: endField(); state = .afterCR
                default: record.bytes.append(b); state = .unquoted
                }
            case .unquoted:
                switch b {
                case UInt8(ascii: ","): endField(); state = .fieldStart
                case 0x0A: endField(); try endRecord(onRecord); line += 1; state = .fieldStart
                case 0x0D: endField(); state = .afterCR
                case UInt8(ascii: "\""): throw failure("a quote inside an unquoted field")
                default: record.bytes.append(b)
                }
            case .quoted:
                if b == UInt8(ascii: "\"") {
                    state = .quoteInQuoted
                } else {
                    if b == 0x0A { line += 1 }
                    record.bytes.append(b)
                }
            case .quoteInQuoted:
                switch b {
                case UInt8(ascii: "\""): record.bytes.append(b); state = .quoted
                case UInt8(ascii: ","): endField(); state = .fieldStart
                case 0x0A: endField(); try endRecord(onRecord); line += 1; state = .fieldStart
                case 0x0D: endField(); state = .afterCR
                default: throw failure("text after a closing quote")
                }
            case .afterCR:
                guard b == 0x0A else { throw failure("a carriage return not followed by a line feed") }
                try endRecord(onRecord)
                line += 1
                state = .fieldStart
            }
        }
    }

    /// The end of the input: the last record may lack its newline; an open quote is an error.
    public mutating func finish(onRecord: (Record) throws -> Void) throws {
        switch state {
        case .quoted:
            throw Failure(line: quoteLine, column: record.fields.count + 1, message: "a quoted field opened here is not closed before the end of the file")
        case .afterCR:
            try endRecord(onRecord)
        case .unquoted, .quoteInQuoted:
            endField()
            try endRecord(onRecord)
        case .fieldStart:
            if recordHasContent && !record.fields.isEmpty {
                endField()
                try endRecord(onRecord)
            }
        }
        state = .fieldStart
    }

    private mutating func endField() {
        record.fields.append(Record.Field(range: fieldStart..<record.bytes.count, quoted: fieldQuoted))
        fieldStart = record.bytes.count
        fieldQuoted = false
    }

    private mutating func endRecord(_ onRecord: (Record) throws -> Void) throws {
        try onRecord(record)
        record.bytes.removeAll(keepingCapacity: true)
        record.fields.removeAll(keepingCapacity: true)
        fieldStart = 0
        recordHasContent = false
        record.line = line + 1
    }

    private func failure(_ message: String) -> Failure {
        Failure(line: line, column: record.fields.count + 1, message: message)
    }
}
