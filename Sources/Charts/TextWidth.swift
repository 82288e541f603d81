/// Estimated text widths (no font metrics exist on the server), a little wide on purpose so a
/// label fits in whichever sans-serif font the viewer has — DejaVu Sans is among the widest.
enum TextWidth {
    /// Width of `text` at `fontSize`, in the same units.
    static func of(_ text: String, fontSize: Double) -> Double {
        var em = 0.0
        for scalar in text.unicodeScalars { em += ems(scalar) }
        return em * fontSize
    }

    static func of(_ characters: ArraySlice<Character>, fontSize: Double) -> Double {
        var em = 0.0
        for character in characters {
            for scalar in character.unicodeScalars { em += ems(scalar) }
        }
        return em * fontSize
    }

    /// `text` cut to fit `width`, with "…" at the end when something was cut.
    static func truncated(_ text: String, width: Double, fontSize: Double) -> String {
        if of(text, fontSize: fontSize) <= width { return text }
        return truncated(Array(text)[...], width: width, fontSize: fontSize)
    }

    /// `text` in at most `maxLines` lines that each fit `width`: broken at spaces or after
    /// hyphens so the longest line is as short as possible; what still does not fit ends in "…".
    static func lines(_ text: String, width: Double, fontSize: Double, maxLines: Int) -> [String] {
        if of(text, fontSize: fontSize) <= width || maxLines < 2 {
            return [truncated(text, width: width, fontSize: fontSize)]
        }
        let characters = Array(text)
        var best: (first: ArraySlice<Character>, rest: ArraySlice<Character>, widest: Double)? = nil
        for (index, character) in characters.enumerated() where character == " " || character == "-" {
            let firstEnd = character == " " ? index : index + 1
            let first = characters[..<firstEnd]
            let rest = characters[(index + 1)...]
            guard !first.isEmpty, !rest.isEmpty else { continue }
            let widest = max(of(first, fontSize: fontSize), of(rest, fontSize: fontSize))
            if widest < (best?.widest ?? .infinity) { best = (first, rest, widest) }
        }
        guard let split = best else { return [truncated(text, width: width, fontSize: fontSize)] }
        let rest = String(split.rest)
        return [truncated(split.first, width: width, fontSize: fontSize)]
            + lines(rest, width: width, fontSize: fontSize, maxLines: maxLines - 1)
    }

    private static func truncated(_ characters: ArraySlice<Character>, width: Double, fontSize: Double) -> String {
        if of(characters, fontSize: fontSize) <= width { return String(characters) }
        let room = width - ems("…") * fontSize
        var used = 0.0
        var end = characters.startIndex
        while end < characters.endIndex {
            var next = 0.0
            for scalar in characters[end].unicodeScalars { next += ems(scalar) * fontSize }
            if used + next > room { break }
            used += next
            end += 1
        }
        var kept = characters[..<end]
        while let last = kept.last, last == " " { kept = kept.dropLast() }
        return String(kept) + "…"
    }

    /// Advance of one scalar in ems, close to DejaVu Sans.
    private static func ems(_ scalar: Unicode.Scalar) -> Double {
        let v = scalar.value
        switch v {
        case 0x20, 0x21, 0x27, 0x28, 0x29, 0x2C, 0x2E, 0x2F, 0x3A, 0x3B, 0x5B, 0x5D, 0x7C,
             0x49, 0x4A, 0x66, 0x69, 0x6A, 0x6C, 0x72, 0x74:          // space ! ' ( ) , . / : ; [ ] | I J f i j l r t
            return 0.36
        case 0x2026: return 1.0                                      // …
        case 0x4D, 0x57, 0x6D, 0x77: return 0.92                    // M W m w
        case 0x30...0x39: return 0.64                                // digits
        case 0x41...0x5A: return 0.72                                // other capitals
        case 0x61...0x7A: return 0.6                                 // other small letters
        case 0x0300...0x036F, 0x200B...0x200F, 0xFE00...0xFE0F: return 0   // combining marks, joiners
        case 0x0416, 0x0428, 0x0429, 0x042E, 0x0436, 0x0448, 0x0449, 0x044B, 0x044E, 0x043C:
            return 0.9                                               // Ж Ш Щ Ю ж ш щ ы ю м
        case 0x0400...0x042F: return 0.74                            // Cyrillic capitals
        case 0x0430...0x04FF: return 0.62                            // Cyrillic small letters
        case 0x1100...0x11FF, 0x2E80...0xA4CF, 0xAC00...0xD7AF, 0xF900...0xFAFF, 0xFF00...0xFF60:
            return 1.0                                               // CJK, Hangul, full width
        case 0x1F000...: return 1.25                                 // emoji and symbols
        default: return 0.66
        }
    }
}
