@testable import Access
import Testing

@Suite struct KeyTokenTests {
    @Test func generatedKeysHaveTheDocumentedForm() {
        var ids = Set<String>()
        for _ in 0..<200 {
            let (text, token) = KeyToken.generate()
            #expect(text.count == 3 + 8 + 1 + 32)
            #expect(text.hasPrefix("ik_\(token.id)_"))
            #expect(text.utf8.dropFirst(3).allSatisfy { KeyToken.isTokenByte($0) })
            #expect(KeyToken(text)?.hash == token.hash)
            ids.insert(token.id)
        }
        #expect(ids.count == 200)
    }

    @Test func operatorKeysGetAnIDDerivedFromTheirHash() throws {
        let text = String(repeating: "a-B_9", count: 8)
        let token = try #require(KeyToken(text))
        #expect(token.id.count == 8)
        #expect(KeyToken(text)?.id == token.id)
        #expect(token.hash.count == 32)
    }

    @Test func malformedKeysAreRefused() {
        #expect(KeyToken("short") == nil)
        #expect(KeyToken(String(repeating: "a", count: 257)) == nil)
        #expect(KeyToken(String(repeating: "a", count: 31) + " ") == nil)
        #expect(KeyToken(String(repeating: "é", count: 40)) == nil)
    }

    @Test func sha256MatchesAKnownVector() {
        #expect(hex(SHA256.digest(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!SHA256.constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!SHA256.constantTimeEqual([1, 2], [1, 2, 3]))
    }

    @Test func theBucketAllowsABurstOfTwiceTheRateThenRefills() {
        var bucket = TokenBucket()
        let allowed = (0..<25).filter { _ in bucket.take(rate: 10, now: 100).allowed }.count
        #expect(allowed == 20)
        let refused = bucket.take(rate: 10, now: 100)
        #expect(!refused.allowed && refused.retryAfter == 1 && refused.remaining == 0)
        #expect(bucket.take(rate: 10, now: 100.5).allowed)
        #expect(bucket.take(rate: 10, now: 200).remaining == 19)
    }
}
