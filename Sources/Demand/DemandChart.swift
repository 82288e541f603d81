import Charts

/// A demand report as stacked bars: one bar per town (the 30 biggest, the rest summed as
/// "other"), one segment per age group. For the endpoint's SVG answer and the import report.
public enum DemandChart {
    public static func svg(importId: Int64, _ report: DemandReport, width: Double = 520) -> [UInt8] {
        let series = report.ageGroups.enumerated().map { index, group in
            ChartSeries(name: label(group), values: report.towns.map { Double($0.groups[index].residents) })
        }
        let folded = BarChart.biggestFirst(categories: report.towns.map(\.town), series: series)
        return BarChart.stackedUTF8(title: "Residents by town and age group in import \(importId), \(report.asOf.iso)",
                                    categories: folded.categories, series: folded.series, valueLabel: "residents", id: "demand", width: width)
    }

    /// `0–17`, `18–24`, ..., `65+`.
    public static func label(_ group: DemandReport.AgeGroup) -> String {
        guard let to = group.to else { return "\(group.from)+" }
        return to - 1 == group.from ? "\(group.from)" : "\(group.from)–\(to - 1)"
    }
}
