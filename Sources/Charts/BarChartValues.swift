/// The values a chart draws: exactly one per category, each finite and in 0...10^15.
enum BarChartValues {
    static let largest = 1e15

    static func sanitized(_ values: [Double], count: Int) -> [Double] {
        (0..<count).map { index in
            guard index < values.count else { return 0 }
            let value = values[index]
            return value.isFinite && value > 0 ? min(value, largest) : 0
        }
    }
}
