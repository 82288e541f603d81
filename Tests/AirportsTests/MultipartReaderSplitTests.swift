@testable import Airports
import Testing

/// The multipart reader tested directly: a body split at every byte position gives the same
/// field content as the body whole, delimiters split across pieces included.
@Suite struct MultipartReaderSplitTests {
    static let contentType = "multipart/form-data; boundary=XyZ"
    static let body = Array(("--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nskip me\r\n"
        + "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\nContent-Type: text/csv\r\n\r\n"
        + "id,name\r\n1,\"a\r\n--Xy not the end\"\r\n"
        + "\r\n--XyZ--\r\nepilogue").utf8)

    func read(_ pieces: [[UInt8]]) throws -> (content: [UInt8], found: Bool) {
        guard var reader = MultipartReader(contentType: Self.contentType, fieldName: "file") else { return ([], false) }
        var content: [UInt8] = []
        for piece in pieces { try reader.feed(piece) { content += $0 } }
        try reader.finish()
        return (content, reader.foundField)
    }

    @Test func aBodySplitAnywhereGivesTheFieldAsWhole() throws {
        let whole = try read([Self.body])
        #expect(whole.found)
        #expect(String(decoding: whole.content, as: UTF8.self) == "id,name\r\n1,\"a\r\n--Xy not the end\"\r\n")
        for split in 0...Self.body.count {
            let pieces = try read([Array(Self.body[..<split]), Array(Self.body[split...])])
            #expect(pieces.content == whole.content && pieces.found, "split at \(split)")
        }
        let byteByByte = try read(Self.body.map { [$0] })
        #expect(byteByByte.content == whole.content, "one byte at a time")
    }
}
