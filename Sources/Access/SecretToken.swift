/// A random secret that travels in a URL (a report's share link): base62 from the CSPRNG, and
/// the SHA-256 that is all the server stores of it, as for API keys.
public struct SecretToken: Sendable {
    public let text: String
    /// SHA-256 of `text`, in lowercase hex (for `decode($n, 'hex')`).
    public let sha256Hex: String

    /// The token a request presented, hashed for the lookup.
    public init(_ text: String) {
        self.text = text
        sha256Hex = hex(SHA256.digest(Array(text.utf8)))
    }

    /// A new token: `prefix` and `characters` base62 characters (32 are about 190 bits).
    public static func generate(prefix: String, characters: Int = 32) -> SecretToken {
        SecretToken(prefix + KeyToken.randomBase62(characters))
    }
}
