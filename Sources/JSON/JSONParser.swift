/// A strict JSON reader (RFC 8259): valid UTF-8 only, no duplicate keys, no lone surrogates,
/// no trailing data, and a bound on nesting depth. A UTF-8 byte-order mark before the value is
/// ignored (RFC 8259 8.1 allows it; Windows editors and PowerShell write one).
public struct JSONParser {
    public struct Error: Swift.Error, Equatable, CustomStringConvertible {
        /// Bytes before the error, from 0.
        public let offset: Int
        /// From 1; a line ends at LF, CR LF or CR.
        public let line: Int
        /// From 1, in characters (Unicode scalars) of that line.
        public let column: Int
        public let message: String
        public var description: String { "\(message) at line \(line), column \(column) (byte \(offset))" }

        init(offset: Int, message: String, in bytes: UnsafeBufferPointer<UInt8>) {
            self.offset = offset
            self.message = message
            // Counted only when an error is thrown, so parsing pays nothing for it.
            var line = 1
            var lineStart = 0
            var i = 0
            let end = min(offset, bytes.count)
            while i < end {
                let b = bytes[i]
                i += 1
                if b == 0x0A || (b == 0x0D && (i == bytes.count || bytes[i] != 0x0A)) {
                    line += 1
                    lineStart = i
                }
            }
            if line == 1, Reader.byteOrderMarkLength(bytes) > 0 { lineStart = min(end, Reader.byteOrderMarkLength(bytes)) }
            var column = 1
            for j in lineStart..<end where bytes[j] & 0xC0 != 0x80 { column += 1 }
            self.line = line
            self.column = column
        }
    }

    public var maxDepth: Int

    public init(maxDepth: Int = 64) {
        self.maxDepth = maxDepth
    }

    /// What `parseObject(_:streaming:element:)` found besides the streamed array.
    public struct StreamedObject {
        /// The other members of the top-level object, in order.
        public var members: [JSONMember]
        /// Whether the streamed key was present with an array value.
        public var sawArray: Bool
    }

    /// Reads a top-level object whose member `key`, when an array, is not kept: each element is
    /// handed to `element` as soon as it is read, so a huge array needs memory for one element.
    public func parseObject(_ bytes: [UInt8], streaming key: String,
                            element: (Int, JSONValue) throws -> Void) throws -> StreamedObject {
        try bytes.withUnsafeBufferPointer { buffer in
            var reader = Reader(bytes: buffer, maxDepth: maxDepth)
            reader.skipWhitespace()
            guard reader.index < buffer.count, buffer[reader.index] == UInt8(ascii: "{") else {
                throw reader.error("the top level must be an object")
            }
            let result = try reader.readObjectStreaming(key: key, element: element)
            reader.skipWhitespace()
            if reader.index != buffer.count { throw reader.error("unexpected data after the JSON value") }
            return result
        }
    }

    public func parse(_ bytes: [UInt8]) throws -> JSONValue {
        try bytes.withUnsafeBufferPointer { buffer in
            var reader = Reader(bytes: buffer, maxDepth: maxDepth)
            reader.skipWhitespace()
            let value = try reader.readValue(depth: 0)
            reader.skipWhitespace()
            if reader.index != buffer.count { throw reader.error("unexpected data after the JSON value") }
            return value
        }
    }
}

private struct Reader {
    let bytes: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var index = 0

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        index = Reader.byteOrderMarkLength(bytes)
    }

    /// 3 when the text starts with the UTF-8 byte-order mark EF BB BF, else 0.
    static func byteOrderMarkLength(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
    }

    func error(_ message: String, at offset: Int? = nil) -> JSONParser.Error {
        JSONParser.Error(offset: offset ?? index, message: message, in: bytes)
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func readValue(depth: Int) throws -> JSONValue {
        guard index < bytes.count else { throw error("unexpected end of JSON") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try readObject(depth: depth + 1)
        case UInt8(ascii: "["): return try readArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try readString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try readNumber())
        default: throw error("unexpected character")
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error("invalid literal") }
        let start = literal.utf8Start
        for i in 0..<count where bytes[index + i] != start[i] {
            throw error("invalid literal")
        }
        index += count
    }

    mutating func readObjectStreaming(key streamed: String, element: (Int, JSONValue) throws -> Void) throws
        -> JSONParser.StreamedObject {
        index += 1
        var result = JSONParser.StreamedObject(members: [], sawArray: false)
        var keys = KeySet()
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return result
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let keyOffset = index
            let key = try readString()
            if !keys.insert(key) { throw error("duplicate key \"\(key)\"", at: keyOffset) }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':'") }
            index += 1
            skipWhitespace()
            if key == streamed, index < bytes.count, bytes[index] == UInt8(ascii: "[") {
                try readArrayStreaming(element)
                result.sawArray = true
            } else {
                result.members.append(JSONMember(key: key, value: try readValue(depth: 1)))
            }
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of JSON") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return result }
            throw error("expected ',' or '}'")
        }
    }

    mutating func readArrayStreaming(_ element: (Int, JSONValue) throws -> Void) throws {
        index += 1
        var count = 0
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            try element(count, try readValue(depth: 2))
            count += 1
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of JSON") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return }
            throw error("expected ',' or ']'")
        }
    }

    mutating func readObject(depth: Int) throws -> JSONValue {
        if depth > maxDepth { throw error("nesting too deep") }
        index += 1
        var members: [JSONMember] = []
        var keys = KeySet()
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let keyOffset = index
            let key = try readString()
            if !keys.insert(key) { throw error("duplicate key \"\(key)\"", at: keyOffset) }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':'") }
            index += 1
            skipWhitespace()
            let value = try readValue(depth: depth)
            members.append(JSONMember(key: key, value: value))
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of JSON") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
            throw error("expected ',' or '}'")
        }
    }

    mutating func readArray(depth: Int) throws -> JSONValue {
        if depth > maxDepth { throw error("nesting too deep") }
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try readValue(depth: depth))
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of JSON") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
            throw error("expected ',' or ']'")
        }
    }

    mutating func readNumber() throws -> JSONNumber {
        let start = index
        var isInteger = true
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) { throw error("leading zero in number") }
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        return JSONNumber(text: text, isIntegerLiteral: isInteger)
    }

    @inline(__always) func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    mutating func readString() throws -> String {
        index += 1  // opening quote
        let start = index
        // Fast path: no escapes. UTF-8 validity is checked when the String is made.
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
                index += 1
                guard UTF8Validation.isValid(slice) else {
                    throw error("invalid UTF-8 in string", at: start)
                }
                return String(decoding: slice, as: UTF8.self)
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw error("control character in string") }
            index += 1
        }
        guard index < bytes.count else { throw error("unterminated string") }
        return try readEscapedString(from: start)
    }

    mutating func readEscapedString(from start: Int) throws -> String {
        var scratch: [UInt8] = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                index += 1
                return try scratch.withUnsafeBufferPointer { buffer in
                    guard UTF8Validation.isValid(buffer) else {
                        throw error("invalid UTF-8 in string", at: start)
                    }
                    return String(decoding: buffer, as: UTF8.self)
                }
            }
            if b < 0x20 { throw error("control character in string") }
            if b != UInt8(ascii: "\\") {
                scratch.append(b)
                index += 1
                continue
            }
            index += 1
            guard index < bytes.count else { throw error("unterminated string") }
            let e = bytes[index]
            index += 1
            switch e {
            case UInt8(ascii: "\""): scratch.append(0x22)
            case UInt8(ascii: "\\"): scratch.append(0x5C)
            case UInt8(ascii: "/"): scratch.append(0x2F)
            case UInt8(ascii: "b"): scratch.append(0x08)
            case UInt8(ascii: "f"): scratch.append(0x0C)
            case UInt8(ascii: "n"): scratch.append(0x0A)
            case UInt8(ascii: "r"): scratch.append(0x0D)
            case UInt8(ascii: "t"): scratch.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try readHex4()
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                        throw error("lone surrogate in string")
                    }
                    index += 2
                    let low = try readHex4()
                    guard low >= 0xDC00 && low <= 0xDFFF else { throw error("lone surrogate in string") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                    throw error("lone surrogate in string")
                }
                appendUTF8(Unicode.Scalar(scalar)!, to: &scratch)
            default:
                throw error("invalid escape in string")
            }
        }
        throw error("unterminated string")
    }

    mutating func readHex4() throws -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("invalid \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[index]
            let digit: UInt32
            switch b {
            case 0x30...0x39: digit = UInt32(b - 0x30)
            case 0x41...0x46: digit = UInt32(b - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(b - 0x61 + 10)
            default: throw error("invalid \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    func appendUTF8(_ scalar: Unicode.Scalar, to out: inout [UInt8]) {
        UTF8.encode(scalar) { out.append($0) }
    }
}

/// The keys of one object, to find a duplicate in time linear in their number. Keys compare as
/// code points (bytes): Swift's == would merge canonically equal ones. Most objects are small, and
/// a scan of a few keys beats hashing; past `scanned` keys they go into a set.
struct KeySet {
    private static let scanned = 16
    private var few: [String] = []
    private var many: Set<[UInt8]>?

    /// False when the key was there already.
    mutating func insert(_ key: String) -> Bool {
        if many == nil {
            if few.contains(where: { sameBytes($0, key) }) { return false }
            few.append(key)
            if few.count == KeySet.scanned {
                many = Set(few.map { Array($0.utf8) })
                few = []
            }
            return true
        }
        return many!.insert(Array(key.utf8)).inserted
    }
}

/// Byte equality of two strings (code points, no Unicode normalisation).
func sameBytes(_ a: String, _ b: String) -> Bool {
    var a = a, b = b
    return a.withUTF8 { x in b.withUTF8 { y in x.count == y.count && (x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0) } }
}

#if canImport(Glibc)
import Glibc
#endif
