import HTTP
@testable import Jobs
import Testing

@Suite struct JobIntakeTests {
    @Test func respondAsyncIsFoundAmongPreferencesInAnyCase() {
        #expect(JobIntake.prefersRespondAsync(Headers([("Prefer", "respond-async")])))
        #expect(JobIntake.prefersRespondAsync(Headers([("prefer", "wait=10, Respond-Async")])))
        #expect(JobIntake.prefersRespondAsync(Headers([("Prefer", "return=minimal"), ("Prefer", "respond-async; x=1")])))
        #expect(!JobIntake.prefersRespondAsync(Headers([("Prefer", "return=minimal")])))
        #expect(!JobIntake.prefersRespondAsync(Headers([("Prefer", "respond-asynchronously")])))
        #expect(!JobIntake.prefersRespondAsync(Headers()))
    }

    @Test func anIdempotencyKeyIsOneTo128VisibleCharacters() throws {
        #expect(try JobIntake.idempotencyKey(Headers()) == nil)
        #expect(try JobIntake.idempotencyKey(Headers([("Idempotency-Key", "a")])) == "a")
        let longest = String(repeating: "k", count: 128)
        #expect(try JobIntake.idempotencyKey(Headers([("Idempotency-Key", longest)])) == longest)
        for bad in ["", String(repeating: "k", count: 129), "with space", "ключ"] {
            #expect(throws: HTTPError.self) { try JobIntake.idempotencyKey(Headers([("Idempotency-Key", bad)])) }
        }
    }

    @Test func byteaHexRoundTrips() {
        let bytes: [UInt8] = [0, 1, 0x7F, 0x80, 0xAB, 0xFF]
        let text = ByteaHex.encode(bytes)
        #expect(text == "\\x00017f80abff")
        let decoded = Array(text.utf8).withUnsafeBufferPointer { ByteaHex.decode($0) }
        #expect(decoded == bytes)
        #expect(Array("\\x0".utf8).withUnsafeBufferPointer { ByteaHex.decode($0) } == nil)
        #expect(Array("zz".utf8).withUnsafeBufferPointer { ByteaHex.decode($0) } == nil)
    }

    @Test func progressIsOneOnlyWhenItIsOne() {
        #expect(Job.format(0) == "0")
        #expect(Job.format(0.5) == "0.5")
        #expect(Job.format(0.12345) == "0.1234")
        #expect(Job.format(0.99999) == "0.9999")
        #expect(Job.format(1) == "1")
        #expect(Job.format(-1) == "0")
    }

    @Test func theDigestIsSHA256() {
        let digest = BodyDigest()
        digest.update(Array("ab".utf8))
        digest.update(Array("c".utf8))
        let hex = digest.finish().map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
        #expect(hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
