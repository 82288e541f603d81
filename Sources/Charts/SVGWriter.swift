/// Appends SVG markup to one byte buffer: literal markup, XML-escaped text and numbers written
/// digit by digit (no exponent, no Foundation formatting).
struct SVGWriter {
    private(set) var bytes: [UInt8]

    init(capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Markup written as is: element names, attribute names, constant attribute values.
    mutating func raw(_ markup: StaticString) {
        markup.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Markup built at run time from known-safe parts (ids, colours).
    mutating func raw(_ markup: String) {
        bytes.append(contentsOf: markup.utf8)
    }

    /// Text content or an attribute value: `& < > " '` become entities; characters XML 1.0 does
    /// not allow (U+0000–U+001F except tab, line feed and carriage return; U+FFFE, U+FFFF) become
    /// U+FFFD, so a stray control character stays visible instead of breaking the document; tab,
    /// line feed and carriage return become spaces (every text here is one line).
    mutating func text(_ text: String) {
        var utf8 = text.utf8.makeIterator()
        var pending: UInt8? = nil
        while let byte = pending ?? utf8.next() {
            pending = nil
            switch byte {
            case UInt8(ascii: "&"): raw("&amp;")
            case UInt8(ascii: "<"): raw("&lt;")
            case UInt8(ascii: ">"): raw("&gt;")
            case UInt8(ascii: "\""): raw("&quot;")
            case UInt8(ascii: "'"): raw("&apos;")
            case 0x09, 0x0A, 0x0D: bytes.append(UInt8(ascii: " "))
            case 0x00..<0x20: raw("\u{FFFD}")
            case 0xEF:
                // U+FFFE and U+FFFF are EF BF BE and EF BF BF.
                guard let second = utf8.next() else { bytes.append(byte); break }
                guard second == 0xBF, let third = utf8.next() else {
                    bytes.append(byte); pending = second; break
                }
                if third == 0xBE || third == 0xBF {
                    raw("\u{FFFD}")
                } else {
                    bytes.append(contentsOf: [byte, second, third])
                }
            default: bytes.append(byte)
            }
        }
    }

    /// A coordinate or length in user units, rounded to a tenth: `12`, `12.5`, `-3.2`.
    mutating func coordinate(_ value: Double) {
        number(value, decimals: 1)
    }

    /// `value` rounded to at most `decimals` decimals, trailing zeros dropped: `40`, `36.5`,
    /// `0.25` (at most 3 decimals). Never an exponent: magnitudes beyond 10^15 are written as ±10^15, NaN as 0.
    mutating func number(_ value: Double, decimals: Int) {
        guard !value.isNaN else { bytes.append(UInt8(ascii: "0")); return }
        let limit = 1e15
        let clamped = min(max(value, -limit), limit)
        var scale: UInt64 = 1
        for _ in 0..<max(0, min(decimals, 3)) { scale *= 10 }
        let scaled = UInt64((abs(clamped) * Double(scale)).rounded())
        if scaled == 0 { bytes.append(UInt8(ascii: "0")); return }
        if clamped < 0 { bytes.append(UInt8(ascii: "-")) }
        unsigned(scaled / scale)
        var fraction = scaled % scale
        guard fraction != 0 else { return }
        bytes.append(UInt8(ascii: "."))
        var divisor = scale / 10
        while fraction != 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(fraction / divisor))
            fraction %= divisor
            divisor /= 10
        }
    }

    mutating func unsigned(_ value: UInt64) {
        var divisor: UInt64 = 1
        while value / divisor >= 10 { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    mutating func int(_ value: Int) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        unsigned(UInt64(value.magnitude))
    }
}
