/// Byte counts for people: `512 B`, `4.0 kB`, `12.3 MB`, `1.2 GB` (powers of 1000, as the
/// transfer rates people compare them with).
public enum ByteCount {
    public static func text(_ bytes: Int64) -> String {
        let value = Double(max(0, bytes))
        if value < 1000 { return "\(max(0, bytes)) B" }
        for (unit, size) in [("kB", 1e3), ("MB", 1e6)] where value < size * 1000 {
            return oneDecimal(value / size) + " " + unit
        }
        return oneDecimal(value / 1e9) + " GB"
    }

    private static func oneDecimal(_ value: Double) -> String {
        let tenths = Int64((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
