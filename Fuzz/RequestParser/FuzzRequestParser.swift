import HTTP
import JSON

/// libFuzzer entry: the request stream parser on the raw input, and, on the same bytes, the
/// strict JSON reader. Both must return (never crash, hang or over-read) whatever the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let outcomes = RequestStreamParser.parse(bytes)
    precondition(!outcomes.isEmpty || size == 0)
    _ = try? JSONParser(maxDepth: 64).parse(Array(bytes))
    return 0
}
