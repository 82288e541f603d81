extension BarChart {
    /// The categories ordered by their total over all series, biggest first (ties keep their
    /// order), the first `keeping` of them as they are and the rest summed, series by series,
    /// into one last category named `otherLabel` — present only when something was folded.
    /// A series shorter than `categories` counts as 0 where it has no value; negative, NaN and
    /// infinite values count as 0.
    public static func biggestFirst(categories: [String], series: [ChartSeries], keeping: Int = 30,
                                    otherLabel: String = "other") -> (categories: [String], series: [ChartSeries]) {
        let values = series.map { BarChartValues.sanitized($0.values, count: categories.count) }
        var totals = [Double](repeating: 0, count: categories.count)
        for row in values {
            for (index, value) in row.enumerated() { totals[index] += value }
        }
        let order = categories.indices.sorted { totals[$0] != totals[$1] ? totals[$0] > totals[$1] : $0 < $1 }
        let kept = Array(order.prefix(max(0, keeping)))
        let folded = order.dropFirst(kept.count)
        var newCategories = kept.map { categories[$0] }
        if !folded.isEmpty { newCategories.append(otherLabel) }
        let newSeries = zip(series, values).map { series, row in
            var newValues = kept.map { row[$0] }
            if !folded.isEmpty { newValues.append(folded.reduce(0) { $0 + row[$1] }) }
            return ChartSeries(name: series.name, values: newValues)
        }
        return (newCategories, newSeries)
    }
}
