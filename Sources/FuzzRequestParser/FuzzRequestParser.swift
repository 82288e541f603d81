import Airports
import HTTP
import JSON

/// libFuzzer entry for everything that parses untrusted bytes: the request stream parser, the
/// JSON reader (whole and streaming), the CSV reader and the multipart reader. Besides never
/// crashing, the CSV and multipart readers must give the same result whether the input comes
/// whole or split in two.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let outcomes = RequestStreamParser.parse(bytes)
    precondition(!outcomes.isEmpty || size == 0)
    let json = try? JSONParser(maxDepth: 64).parse(Array(bytes))
    // The import's streaming reader takes exactly the objects the whole-value reader takes.
    let streamed = try? JSONParser(maxDepth: 64).parseObject(Array(bytes), streaming: "citizens") { _, _ in }
    if case .object = json { precondition(streamed != nil, "streaming JSON reader refused an object") } else {
        precondition(streamed == nil, "streaming JSON reader took what is not an object")
    }

    let split = size == 0 ? 0 : Int(bytes[0]) % (size + 1)
    precondition(csvRecords(bytes, split: size) == csvRecords(bytes, split: split), "CSV result depends on chunking")
    precondition(multipartContent(bytes, split: size) == multipartContent(bytes, split: split), "multipart result depends on chunking")
    return 0
}

/// The records (fields as text, nil for NULL) and the error, reading `bytes` in two pieces.
func csvRecords(_ bytes: UnsafeBufferPointer<UInt8>, split: Int) -> String {
    var reader = CSVReader()
    var out = ""
    let collect: (CSVReader.Record) throws -> Void = { record in
        out += "\(record.line):" + (0..<record.count).map { record.isNull($0) ? "<null>" : record.string($0) }.joined(separator: "|") + "\n"
    }
    do {
        try reader.feed(UnsafeBufferPointer(rebasing: bytes[0..<split]), onRecord: collect)
        try reader.feed(UnsafeBufferPointer(rebasing: bytes[split...]), onRecord: collect)
        try reader.finish(onRecord: collect)
    } catch let failure as CSVReader.Failure {
        out += "error \(failure.line):\(failure.column) \(failure.message)"
    } catch {
        preconditionFailure("unexpected error \(error)")
    }
    return out
}

/// The content of the field `file`, or the error, reading `bytes` in two pieces.
func multipartContent(_ bytes: UnsafeBufferPointer<UInt8>, split: Int) -> String {
    guard var reader = MultipartReader(contentType: "multipart/form-data; boundary=XyZ", fieldName: "file") else {
        preconditionFailure("boundary rejected")
    }
    var content: [UInt8] = []
    do {
        try reader.feed(Array(bytes[0..<split])) { content += $0 }
        try reader.feed(Array(bytes[split...])) { content += $0 }
        try reader.finish()
        return "ok \(reader.foundField) \(content)"
    } catch {
        return "error \(content.count)"
    }
}
