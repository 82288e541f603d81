/// One line of a progress bar, fitted to the terminal's width:
/// `upload [=========>          ]  45%  5.4 MB / 12.0 MB`.
public enum ProgressBar {
    /// The narrowest bar worth drawing; below it the detail goes first, then the bar.
    static let minimumBar = 10

    /// `fraction` nil draws an empty bar with no percentage (the total is not known yet).
    /// The line is at most `width - 1` characters: writing the last column makes some terminals
    /// wrap, and the next `\r` would then redraw on a new line.
    public static func line(label: String, fraction: Double?, detail: String, width: Int) -> String {
        let room = max(0, width - 1)
        let percent = fraction.map { percentText($0) } ?? "    "
        // label + " [" + bar + "] " + percent (+ "  " + detail)
        let fixed = label.count + 2 + 2 + percent.count
        let withDetail = detail.isEmpty ? fixed : fixed + 2 + detail.count
        if room - withDetail >= minimumBar {
            return assemble(label, bar(fraction, room - withDetail), percent, detail)
        }
        if room - fixed >= minimumBar {
            return assemble(label, bar(fraction, room - fixed), percent, "")
        }
        return String("\(label) \(percent.trimmingLeadingSpaces)".prefix(room))
    }

    /// The bar's inside, `width` characters: `=` for the part done, `>` at its head.
    public static func bar(_ fraction: Double?, _ width: Int) -> String {
        guard let fraction, width > 0 else { return String(repeating: " ", count: max(0, width)) }
        let clamped = min(1, max(0, fraction.isFinite ? fraction : 0))
        let filled = Int((clamped * Double(width)).rounded(.down))
        if filled >= width { return String(repeating: "=", count: width) }
        if filled == 0 { return String(repeating: " ", count: width) }
        return String(repeating: "=", count: filled - 1) + ">" + String(repeating: " ", count: width - filled)
    }

    /// `  7%`, ` 45%`, `100%`; 100% only when it is all done (0.999 shows 99%).
    public static func percentText(_ fraction: Double) -> String {
        let clamped = min(1, max(0, fraction.isFinite ? fraction : 0))
        let whole = Int((clamped * 100).rounded(.down))
        let text = "\(whole)%"
        return String(repeating: " ", count: max(0, 4 - text.count)) + text
    }

    private static func assemble(_ label: String, _ bar: String, _ percent: String, _ detail: String) -> String {
        let line = "\(label) [\(bar)] \(percent)"
        return detail.isEmpty ? line : line + "  " + detail
    }
}

extension String {
    var trimmingLeadingSpaces: String { String(drop(while: { $0 == " " })) }
}
