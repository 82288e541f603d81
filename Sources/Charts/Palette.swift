/// Okabe–Ito colours, distinguishable with the common colour-vision deficiencies.
enum Palette {
    /// Series that are separate things (p50, p75, p99): neighbours contrast most.
    static let distinct = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
    /// Series in an order (age groups from young to old): cool to warm.
    static let ordered = ["#0072B2", "#56B4E9", "#009E73", "#F0E442", "#E69F00", "#D55E00", "#CC79A7", "#000000"]
    /// The same colours half mixed with white, for a ninth to sixteenth series.
    private static let distinctLight = distinct.map(halfWhite)
    private static let orderedLight = ordered.map(halfWhite)

    /// The colour of series `index`: the eight colours, then their light tints, then again.
    static func colour(_ index: Int, ordered isOrdered: Bool) -> String {
        let (base, light) = isOrdered ? (ordered, orderedLight) : (distinct, distinctLight)
        let slot = index % (base.count * 2)
        return slot < base.count ? base[slot] : light[slot - base.count]
    }

    private static func halfWhite(_ hex: String) -> String {
        let digits = Array(hex.utf8.dropFirst())
        let hexDigits = Array("0123456789ABCDEF".utf8)
        func value(_ c: UInt8) -> Int { hexDigits.firstIndex(of: c) ?? 0 }
        var result = "#"
        for channel in 0..<3 {
            let v = value(digits[channel * 2]) * 16 + value(digits[channel * 2 + 1])
            let mixed = (v + 255 + 1) / 2
            result += String(UnicodeScalar(hexDigits[mixed / 16])) + String(UnicodeScalar(hexDigits[mixed % 16]))
        }
        return result
    }
}
