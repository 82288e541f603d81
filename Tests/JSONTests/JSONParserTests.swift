import JSON
import Testing

@Suite struct JSONParserTests {
    func parse(_ text: String) throws -> JSONValue { try JSONParser().parse(Array(text.utf8)) }

    @Test func readsEveryKindOfValue() throws {
        let value = try parse(#" {"a": [1, -2, 3.5, 1e3, true, false, null, "x\n\u00e5\ud83d\ude00"], "b": {}} "#)
        #expect(value["a"] == .array([
            .number(JSONNumber(text: "1", isIntegerLiteral: true)), .number(JSONNumber(text: "-2", isIntegerLiteral: true)),
            .number(JSONNumber(text: "3.5", isIntegerLiteral: false)), .number(JSONNumber(text: "1e3", isIntegerLiteral: false)),
            .bool(true), .bool(false), .null, .string("x\nå😀"),
        ]))
        #expect(value["b"] == .object([]))
    }

    @Test func integerLiteralsAreToldApart() throws {
        #expect(try parse("9223372036854775807").int64Value == Int64.max)
        #expect(try parse("9223372036854775808").int64Value == nil)
        #expect(try parse("1.0").int64Value == nil)
        #expect(try parse("1e2").int64Value == nil)
        #expect(try parse("-0").int64Value == 0)
    }

    @Test func rejectsWhatRFC8259Rejects() {
        for bad in ["", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "+1", "\"\u{01}\"", "'a'", "[1] 2", "nul", "tru",
                    "{\"a\" 1}", "\"\\x\"", "\"\\u12\"", "NaN", "Infinity", "[", "\"unterminated"] {
            #expect(throws: JSONParser.Error.self, "\(bad.debugDescription)") { _ = try parse(bad) }
        }
    }

    @Test func rejectsDuplicateKeys() {
        #expect(throws: JSONParser.Error.self) { _ = try parse(#"{"a": 1, "a": 2}"#) }
        #expect(throws: JSONParser.Error.self) { _ = try parse(#"{"x": {"b": 1, "\u0062": 2}}"#) }
    }

    @Test func keysCompareAsCodePoints() throws {
        let value = try parse(#"{"caf\u00e9": 1, "cafe\u0301": 2}"#)
        if case let .object(members) = value { #expect(members.count == 2) } else { Issue.record("not an object") }
        let many = (0..<20).map { "\"k\($0)\": \($0)" }.joined(separator: ",")
        #expect(throws: JSONParser.Error.self) { _ = try parse("{\(many), \"k3\": 1}") }
    }

    @Test func streamsTheElementsOfOneArray() throws {
        var seen: [JSONValue] = []
        let result = try JSONParser().parseObject(Array(#"{"a": 1, "items": [1, {"x": 2}], "b": [3]}"#.utf8), streaming: "items") {
            #expect($0 == seen.count)
            seen.append($1)
        }
        #expect(seen.count == 2)
        #expect(result.sawArray)
        #expect(result.members.map(\.key) == ["a", "b"])
        #expect(throws: JSONParser.Error.self) { _ = try JSONParser().parseObject(Array("[1]".utf8), streaming: "items") { _, _ in } }
        #expect(throws: JSONParser.Error.self) {
            _ = try JSONParser().parseObject(Array(#"{"items": [], "items": []}"#.utf8), streaming: "items") { _, _ in }
        }
    }

    @Test func rejectsLoneSurrogates() {
        for bad in [#""\ud800""#, #""\udc00""#, #""\ud800x""#, #""\ud800\u0041""#] {
            #expect(throws: JSONParser.Error.self, "\(bad)") { _ = try parse(bad) }
        }
    }

    @Test func rejectsInvalidUTF8() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xC0, 0xAF, 0x22]] {
            #expect(throws: JSONParser.Error.self) { _ = try JSONParser().parse(bytes) }
        }
    }

    @Test func boundsTheDepth() throws {
        #expect(throws: JSONParser.Error.self) { _ = try parse(String(repeating: "[", count: 100) + String(repeating: "]", count: 100)) }
        _ = try parse(String(repeating: "[", count: 60) + String(repeating: "]", count: 60))
    }

    @Test func escapedNULIsReadAsU0000() throws {
        #expect(try parse(#""a\u0000b""#).stringValue == "a\u{0}b")
    }

    @Test func writerRoundTrips() throws {
        let original = try parse(#"{"s":"q\"b\\c\n\t\u0001å😀","n":[1,-2.5,1e3],"o":{"t":true,"f":false,"z":null}}"#)
        #expect(try JSONParser().parse(original.serialized) == original)
    }

    /// The error a syntax mistake throws, or nil when none is thrown.
    func syntaxError(_ text: String) -> JSONParser.Error? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error as? JSONParser.Error
        }
    }

    @Test func errorsSayTheLineAndColumnBesidesTheByte() throws {
        // The stray "x" is on line 3, column 15 (byte 26).
        let error = try #require(syntaxError("{\n  \"a\": 1,\n  \"b\": [1, 2, x]\n}"))
        #expect(error.line == 3)
        #expect(error.column == 15)
        #expect(error.offset == 26)
        #expect(error.description == "unexpected character at line 3, column 15 (byte 26)")
    }

    @Test func columnsCountCharactersAndLinesEndAtCRLFAndCR() throws {
        // "åäö" is six bytes but three characters.
        let error = try #require(syntaxError("{\"åäö\": ?}"))
        #expect((error.line, error.column, error.offset) == (1, 9, 11))
        let crlf = try #require(syntaxError("[\r\n1,\r\n  ?]"))
        #expect((crlf.line, crlf.column) == (3, 3))
        let cr = try #require(syntaxError("[\r1,\r?]"))
        #expect((cr.line, cr.column) == (3, 1))
        let first = try #require(syntaxError("?"))
        #expect((first.line, first.column, first.offset) == (1, 1, 0))
    }

    @Test func streamedObjectsReportPositionsToo() throws {
        let body = Array("{\"items\": [\n  1,\n  2 3\n]}".utf8)
        do {
            _ = try JSONParser().parseObject(body, streaming: "items") { _, _ in }
            Issue.record("no error thrown")
        } catch let error as JSONParser.Error {
            #expect((error.line, error.column) == (3, 5), "\(error)")
        }
    }
}

/// A UTF-8 byte-order mark before the value is ignored (RFC 8259 8.1 allows it), as the CSV
/// upload ignores one; anywhere else it is an error.
@Suite struct JSONByteOrderMarkTests {
    static let mark: [UInt8] = [0xEF, 0xBB, 0xBF]

    @Test func aLeadingMarkIsIgnoredByBothReaders() throws {
        let bytes = JSONByteOrderMarkTests.mark + Array(#"{"citizens": [1, 2], "a": true}"#.utf8)
        #expect(try JSONParser().parse(bytes)["a"] == .bool(true))
        var elements = 0
        let object = try JSONParser().parseObject(bytes, streaming: "citizens") { _, _ in elements += 1 }
        #expect(elements == 2 && object.sawArray && object.members.count == 1)
        #expect(try JSONParser().parse(JSONByteOrderMarkTests.mark + Array(" 7".utf8)).int64Value == 7)
    }

    @Test func aMarkElsewhereIsAnError() {
        #expect(throws: JSONParser.Error.self) { _ = try JSONParser().parse(Array(" ".utf8) + JSONByteOrderMarkTests.mark + Array("1".utf8)) }
        #expect(throws: JSONParser.Error.self) { _ = try JSONParser().parse(JSONByteOrderMarkTests.mark + JSONByteOrderMarkTests.mark + Array("1".utf8)) }
        #expect(throws: JSONParser.Error.self) { _ = try JSONParser().parse(JSONByteOrderMarkTests.mark) }
    }

    @Test func columnsCountFromAfterTheMark() {
        do {
            _ = try JSONParser().parse(JSONByteOrderMarkTests.mark + Array("[1,]".utf8))
            Issue.record("accepted")
        } catch let error as JSONParser.Error {
            #expect(error.line == 1 && error.column == 4, "\(error)")
        } catch {
            Issue.record("\(error)")
        }
    }
}
