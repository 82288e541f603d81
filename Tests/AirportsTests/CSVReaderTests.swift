@testable import Airports
import Testing

@Suite struct CSVReaderTests {
    /// Each record as its fields (nil for NULL), with the line it starts on, or the error.
    func read(_ chunks: [[UInt8]]) -> (records: [(line: Int, fields: [String?])], failure: CSVReader.Failure?) {
        var reader = CSVReader()
        var records: [(line: Int, fields: [String?])] = []
        let collect: (CSVReader.Record) -> Void = { record in
            records.append((record.line, (0..<record.count).map { record.isNull($0) ? nil : record.string($0) }))
        }
        do {
            for chunk in chunks {
                try chunk.withUnsafeBufferPointer { try reader.feed($0, onRecord: collect) }
            }
            try reader.finish(onRecord: collect)
            return (records, nil)
        } catch let failure as CSVReader.Failure {
            return (records, failure)
        } catch {
            Issue.record("unexpected \(error)")
            return (records, nil)
        }
    }

    func read(_ text: String) -> (records: [(line: Int, fields: [String?])], failure: CSVReader.Failure?) {
        read([Array(text.utf8)])
    }

    @Test func theFormatRulesOfAirportsMd() {
        let result = read("1,\"a, \"\"quoted\"\" name\",,\"\",\\N,\"\\N\"\r\n2,\"two\nlines\",x\n3,last")
        #expect(result.failure == nil)
        #expect(result.records.map(\.line) == [1, 2, 4])
        #expect(result.records[0].fields == ["1", "a, \"quoted\" name", nil, "", nil, "\\N"])
        #expect(result.records[1].fields == ["2", "two\nlines", "x"])
        #expect(result.records[2].fields == ["3", "last"])
    }

    @Test func errorsNameTheLineAndColumn() {
        #expect(read("a,b\nc,d\"e\n").failure == CSVReader.Failure(line: 2, column: 2, message: "a quote inside an unquoted field"))
        #expect(read("a,\"b\"c\n").failure == CSVReader.Failure(line: 1, column: 2, message: "text after a closing quote"))
        #expect(read("a,b\rc\n").failure == CSVReader.Failure(line: 1, column: 3, message: "a carriage return not followed by a line feed"))
        #expect(read("a\nb,\"open\n\nstill open").failure
            == CSVReader.Failure(line: 2, column: 2, message: "a quoted field opened here is not closed before the end of the file"))
    }

    /// Random records written out (quoted when needed, or at random), read back in random pieces.
    @Test func randomFilesReadBackEqualHoweverTheyAreSplit() {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [String] = ["a", "Z", "0", "-", ".", " ", ",", "\"", "\n", "\r\n", "é", "日", "🙂", "\\", "\t"]
        for _ in 0..<300 {
            var records: [[String?]] = []
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                records.append((0..<Int.random(in: 1...5, using: &generator)).map { _ in
                    if Int.random(in: 0..<6, using: &generator) == 0 { return nil }
                    return (0..<Int.random(in: 0...8, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }.joined()
                })
            }
            let lineEnd = Bool.random(using: &generator) ? "\n" : "\r\n"
            var text = records.map { fields in
                fields.map { field -> String in
                    guard let field else { return "" }
                    let needsQuotes = field.isEmpty || field.utf8.contains { ",\"\n\r".utf8.contains($0) } || field.hasPrefix("\\N")
                    return needsQuotes || Bool.random(using: &generator)
                        ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
                }.joined(separator: ",")
            }.joined(separator: lineEnd)
            if Bool.random(using: &generator) { text += lineEnd }
            // A record whose one field is NULL is an empty line, which a file cannot tell from none.
            let expected = records.map { $0.count == 1 && $0[0] == nil ? [] : $0 }
            let bytes = Array(text.utf8)
            var chunks: [[UInt8]] = []
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + Int.random(in: 1...max(1, bytes.count / 2), using: &generator))
                chunks.append(Array(bytes[start..<end]))
                start = end
            }
            let result = read(chunks)
            #expect(result.failure == nil, "\(text.debugDescription)")
            let read = result.records.map(\.fields).filter { !($0.count == 1 && $0[0] == nil) }
            #expect(read == expected.filter { !$0.isEmpty }, "\(text.debugDescription)")
        }
    }

    @Test func rangeChecksAgreeWithStrtod() {
        let samples = ["0", "-0", "90", "-90", "90.0", "90.000", "90.0000001", "-90.0000001", "89.999999999", "91", "-91",
                       "180", "180.5", "0180", "00090.0", "0.5", "-0.5", "1e2", "9e1", "9.0e1", "-9E+1", "1e-300", "24", "24.0",
                       "24.01", "-24", "123456789", "0000000", "12.34", "-6.081689834590001", "145.391998291",
                       "90.00000000000000000001", "1234567.5"]
        for bound in [24, 90, 180] {
            for text in samples {
                let bytes = Array(text.utf8)
                let fast = bytes.withUnsafeBufferPointer { AirportRowChecker.isWithin($0, bound: bound) }
                let exact = Double(text).map { $0 >= -Double(bound) && $0 <= Double(bound) } ?? false
                #expect(fast == exact, "\(text) within \(bound)")
            }
        }
    }
}
