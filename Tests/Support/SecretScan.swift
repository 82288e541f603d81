import Testing

/// The suite-wide leak check: every answer a test reads through `RawConnection` is scanned for
/// the secrets the suite made (any `ik_` key's whole text, and the admin key). Only the answer
/// that created a key (`POST /keys` → 201) may carry one; anywhere else it fails the test that
/// read it, whatever the request was (malformed headers included).
enum SecretScan {
    static func check(_ response: RawResponse, requestLine: String) {
        if requestLine.hasPrefix("POST /keys ") && response.status == 201 { return }
        let text = response.head + "\r\n\r\n" + response.text
        if let leaked = keyText(in: Array(text.utf8)) {
            Issue.record("an answer to \(requestLine) carries a key's secret (\(leaked.prefix(12))…): \(response.status) \(text.prefix(600))")
        }
        let admin = TestEnvironment.adminKey
        if !admin.isEmpty, text.contains(admin) {
            Issue.record("an answer to \(requestLine) carries the admin key: \(response.status) \(text.prefix(600))")
        }
    }

    /// The first `ik_<8 base62>_<32 base62>` in `bytes`, if any.
    static func keyText(in bytes: [UInt8]) -> String? {
        let length = 3 + 8 + 1 + 32
        guard bytes.count >= length else { return nil }
        var start = 0
        while start + length <= bytes.count {
            if bytes[start] == UInt8(ascii: "i"), bytes[start + 1] == UInt8(ascii: "k"), bytes[start + 2] == UInt8(ascii: "_"),
               bytes[start + 11] == UInt8(ascii: "_"),
               bytes[(start + 3)..<(start + 11)].allSatisfy(isBase62), bytes[(start + 12)..<(start + length)].allSatisfy(isBase62) {
                return String(decoding: bytes[start..<(start + length)], as: UTF8.self)
            }
            start += 1
        }
        return nil
    }

    static func isBase62(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }
}
