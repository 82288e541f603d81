@testable import Airports
import Testing

@Suite struct CSVFileStartTests {
    /// What the reader would get from `input` fed in pieces of `size` bytes, or the failure.
    func pass(_ input: [UInt8], size: Int) -> Result<[UInt8], CSVFileStart.Failure> {
        var start = CSVFileStart()
        var out: [UInt8] = []
        do {
            for offset in stride(from: 0, to: input.count, by: size) {
                try input[offset..<min(offset + size, input.count)].withUnsafeBufferPointer { piece in
                    try start.feed(piece) { out += $0 }
                }
            }
            try start.finish { out += $0 }
            return .success(out)
        } catch let failure as CSVFileStart.Failure {
            return .failure(failure)
        } catch {
            Issue.record("unexpected \(error)")
            return .success([])
        }
    }

    @Test(arguments: [1, 2, 3, 7, 100_000])
    func aUTF8MarkIsDroppedHoweverTheBytesArrive(size: Int) throws {
        let text = Array("id,name\n1,\"a\"\n2,\"b\"".utf8)
        #expect(try pass([0xEF, 0xBB, 0xBF] + text, size: size).get() == text)
        #expect(try pass(text, size: size).get() == text)
        #expect(try pass([0xEF, 0xBB] + text, size: size).get() == [0xEF, 0xBB] + text, "only a whole mark is dropped")
    }

    @Test func aLongFirstLineIsPassedOnUnchanged() throws {
        let text = Array(String(repeating: "x,", count: 5000).utf8) + [0x0A] + Array("1;2".utf8)
        #expect(try pass(text, size: 1000).get() == text)
    }

    @Test func utf16AndSemicolonsAreRefused() {
        let utf16 = "id,name\n".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        for input in [[0xFF, 0xFE] + utf16, [0xFE, 0xFF], utf16] {
            guard case let .failure(failure) = pass(input, size: 3) else { Issue.record("accepted \(input)"); continue }
            #expect(failure.message.contains("UTF-16"))
        }
        guard case let .failure(failure) = pass(Array("id;name\n1;2\n".utf8), size: 4) else { Issue.record("accepted semicolons"); return }
        #expect(failure.message.contains("comma"))
        #expect((try? pass(Array("id;name,x\n".utf8), size: 4).get()) != nil, "a header with a comma is left to the header check")
    }
}
