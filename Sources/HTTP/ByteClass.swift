/// 256-entry tables for the parser's hot loops.
enum ByteClass {
    /// RFC 9110 `tchar`: the characters of a token (method, header name).
    static let token: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for b in UInt8(ascii: "0")...UInt8(ascii: "9") { table[Int(b)] = true }
        for b in UInt8(ascii: "a")...UInt8(ascii: "z") { table[Int(b)] = true }
        for b in UInt8(ascii: "A")...UInt8(ascii: "Z") { table[Int(b)] = true }
        for c in "!#$%&'*+-.^_`|~".utf8 { table[Int(c)] = true }
        return table
    }()

    /// Bytes allowed in a header value: HTAB, SP, VCHAR, obs-text.
    static let fieldValue: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        table[0x09] = true
        for b in 0x20...0x7E { table[b] = true }
        for b in 0x80...0xFF { table[b] = true }
        return table
    }()

    /// Bytes allowed in a request target: visible ASCII.
    static let target: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for b in 0x21...0x7E { table[b] = true }
        return table
    }()

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }
}
