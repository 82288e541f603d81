import CCrypto
import Foundation

/// Standard Webhooks signing (standardwebhooks.com): the secret `whsec_<base64 key>`, and
/// `webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>` over the exact
/// bytes sent.
public enum WebhookSignature {
    static let secretPrefix = "whsec_"

    /// A new secret: `whsec_` and the base64 of 32 bytes from OpenSSL's CSPRNG.
    public static func newSecret() -> String {
        var key = [UInt8](repeating: 0, count: 32)
        let ok = key.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32($0.count)) }
        precondition(ok == 1, "the random number generator failed")
        return secretPrefix + Data(key).base64EncodedString()
    }

    /// The HMAC key of a secret: the base64 after `whsec_`; nil when it is not base64.
    static func key(ofSecret secret: String) -> [UInt8]? {
        let encoded = secret.hasPrefix(secretPrefix) ? String(secret.dropFirst(secretPrefix.count)) : secret
        return Data(base64Encoded: encoded).map { Array($0) }
    }

    /// The `webhook-signature` value for one attempt; nil for a secret that is not base64.
    public static func signature(secret: String, id: String, timestamp: Int64, body: [UInt8]) -> String? {
        guard let key = key(ofSecret: secret) else { return nil }
        var signed = Array("\(id).\(timestamp).".utf8)
        signed.append(contentsOf: body)
        return "v1," + Data(hmacSHA256(key: key, signed)).base64EncodedString()
    }

    static func hmacSHA256(key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        key.withUnsafeBufferPointer { k in
            message.withUnsafeBufferPointer { m in
                _ = HMAC(EVP_sha256(), k.baseAddress, Int32(k.count), m.baseAddress, m.count, &out, &length)
            }
        }
        return Array(out.prefix(Int(length)))
    }
}
