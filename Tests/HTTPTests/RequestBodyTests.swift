@testable import HTTP
import Testing

@Suite struct RequestBodyTests {
    /// The loop appends while the handler reads, so the queue never runs empty: chunks already
    /// read must not stay in memory (an upload's memory grew with its size before).
    @Test func chunksAlreadyReadAreReleasedWhileTheQueueStaysBusy() throws {
        let body = RequestBody(declaredLength: nil)
        let chunk = [UInt8](repeating: 1, count: 64 * 1024)
        chunk.withUnsafeBufferPointer { _ = body.append($0); _ = body.append($0) }
        var read = 0
        for _ in 0..<1000 {
            read += try body.read()?.count ?? 0
            chunk.withUnsafeBufferPointer { _ = body.append($0) }
        }
        #expect(read == 1000 * chunk.count)
        #expect(body.retainedBytes <= 2 * chunk.count, "retained \(body.retainedBytes) bytes")
        body.finish()
        var rest = 0
        while let more = try body.read() { rest += more.count }
        #expect(rest == 2 * chunk.count)
    }
}
