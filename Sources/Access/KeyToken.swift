/// The text of an API key: `ik_<8-char id>_<secret>` in base62 (access.md), or an operator's own
/// secret given as ADMIN_KEY (32-256 of `[A-Za-z0-9_-]`), whose id is derived from its hash.
public struct KeyToken: Sendable {
    public let id: String
    /// SHA-256 of the whole token: all the server ever stores of it.
    public let hash: [UInt8]

    static let base62 = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
    static let idLength = 8
    static let secretLength = 32  // 32 base62 characters: about 190 bits

    /// nil when `text` is not a key in either form.
    public init?(_ text: String) {
        var text = text
        let parsed: (id: String?, hash: [UInt8])? = text.withUTF8 { bytes in
            guard bytes.count >= 32, bytes.count <= 256, bytes.allSatisfy(KeyToken.isTokenByte) else { return nil }
            let hash = SHA256.digest(bytes)
            if bytes.count == 3 + KeyToken.idLength + 1 + KeyToken.secretLength, bytes.starts(with: Array("ik_".utf8)),
               bytes[3 + KeyToken.idLength] == UInt8(ascii: "_") {
                return (String(decoding: bytes[3..<(3 + KeyToken.idLength)], as: UTF8.self), hash)
            }
            return (nil, hash)
        }
        guard let parsed else { return nil }
        self.hash = parsed.hash
        self.id = parsed.id ?? KeyToken.derivedID(parsed.hash)
    }

    /// A new random key: its text (shown once) and its parsed form.
    public static func generate() -> (text: String, token: KeyToken) {
        let id = randomBase62(idLength)
        let text = "ik_\(id)_\(randomBase62(secretLength))"
        return (text, KeyToken(text)!)
    }

    /// The public id of a key that is not in the `ik_` form: base62 of its hash's first bytes.
    static func derivedID(_ hash: [UInt8]) -> String {
        String(decoding: hash.prefix(idLength).map { base62[Int($0) % 62] }, as: UTF8.self)
    }

    static func randomBase62(_ count: Int) -> String {
        var out: [UInt8] = []
        while out.count < count {
            // 248 = 4 × 62: bytes at or above it are dropped so every character is equally likely.
            for byte in SHA256.randomBytes(count * 2) where byte < 248 && out.count < count {
                out.append(base62[Int(byte % 62)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func isTokenByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b == 0x2D
    }
}
