import Charts

/// The percentile endpoint's numbers as a grouped bar chart (p50, p75, p99 per town): one
/// rendering for the endpoint's SVG answer and the import report.
public enum AgePercentilesChart {
    public static func svg(importId: Int64, _ towns: [(town: String, p50: Int, p75: Int, p99: Int)],
                           width: Double = 520) -> [UInt8] {
        BarChart.groupedUTF8(
            title: "Ages by town in import \(importId): p50, p75, p99", categories: towns.map(\.town),
            series: [ChartSeries(name: "p50", values: towns.map { Double($0.p50) / 100 }),
                     ChartSeries(name: "p75", values: towns.map { Double($0.p75) / 100 }),
                     ChartSeries(name: "p99", values: towns.map { Double($0.p99) / 100 })],
            valueLabel: "age, years", id: "percentiles", width: width)
    }
}
