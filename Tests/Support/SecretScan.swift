import Testing

/// The suite-wide leak check: every answer a test reads through `RawConnection` is scanned for
/// the secrets the suite makes — API keys (`ik_…`), report share tokens (`ir_…`), webhook secrets
/// (`whsec_…`) — and the admin key. Only the answer that made a secret may carry it; anywhere
/// else it fails the test that read it, whatever the request was (malformed headers included).
package enum SecretScan {
    package struct Kind: Sendable {
        let name: String
        let prefix: [UInt8]
        /// What follows the prefix, as byte classes.
        let shape: [(count: Int, allowed: @Sendable (UInt8) -> Bool)]
        /// The one answer that shows it: the request line and the status.
        let madeBy: @Sendable (String, Int) -> Bool
    }

    package static let kinds: [Kind] = [
        Kind(name: "an API key", prefix: Array("ik_".utf8), shape: [(8, isBase62), (1, { $0 == UInt8(ascii: "_") }), (32, isBase62)],
             madeBy: { line, status in line.hasPrefix("POST /keys ") && status == 201 }),
        Kind(name: "a report share token", prefix: Array("ir_".utf8), shape: [(32, isBase62)],
             madeBy: { line, status in line.hasPrefix("POST /imports/") && line.contains("/report/links") && status == 201 }),
        Kind(name: "a webhook secret", prefix: Array("whsec_".utf8), shape: [(40, isBase64)],
             madeBy: { line, status in line.hasPrefix("POST /webhooks ") && status == 201 }),
    ]

    static func check(_ response: RawResponse, requestLine: String) {
        // The API description's examples show made-up secrets of each shape.
        if requestLine.hasPrefix("GET /openapi.json ") || requestLine.hasPrefix("HEAD /openapi.json ") { return }
        let text = response.head + "\r\n\r\n" + response.text
        let bytes = Array(text.utf8)
        for kind in kinds where !kind.madeBy(requestLine, response.status) {
            if let leaked = find(kind, in: bytes) {
                Issue.record("an answer to \(requestLine) carries \(kind.name) (\(leaked.prefix(kind.prefix.count + 4))…): \(response.status) \(text.prefix(600))")
            }
        }
        let admin = TestEnvironment.adminKey
        if !admin.isEmpty, text.contains(admin) {
            Issue.record("an answer to \(requestLine) carries the admin key: \(response.status) \(text.prefix(600))")
        }
    }

    /// The first secret of `kind` in `bytes`, if any. A secret starts where a token starts: the
    /// `ir_M…` inside the key `ik_u8fwgFir_M…` is the key's tail, not a share token.
    package static func find(_ kind: Kind, in bytes: [UInt8]) -> String? {
        let length = kind.prefix.count + kind.shape.reduce(0) { $0 + $1.count }
        var start = 0
        while start + length <= bytes.count {
            let startsAToken = start == 0 || !(isBase62(bytes[start - 1]) || bytes[start - 1] == UInt8(ascii: "_"))
            if startsAToken, bytes[start..<(start + kind.prefix.count)].elementsEqual(kind.prefix) {
                var at = start + kind.prefix.count
                var matches = true
                for part in kind.shape where matches {
                    matches = bytes[at..<(at + part.count)].allSatisfy(part.allowed)
                    at += part.count
                }
                if matches { return String(decoding: bytes[start..<(start + length)], as: UTF8.self) }
            }
            start += 1
        }
        return nil
    }

    static func isBase62(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }

    static func isBase64(_ b: UInt8) -> Bool {
        isBase62(b) || b == UInt8(ascii: "+") || b == UInt8(ascii: "/")
    }
}
