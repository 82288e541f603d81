extension BarChartRenderer {
    /// The `<desc>`: what the chart shows, then every number in words —
    /// grouped "Москва: p50 34, p75 36.5, p99 38.9; Казань: ...",
    /// stacked "Москва: total 120 (0–17 10, 18–24 20, ...); ...".
    func writeDescription(_ w: inout SVGWriter) {
        if isEmpty {
            w.raw("No data.")
            return
        }
        switch kind {
        case .grouped: w.raw("Bar chart of ")
        case .stacked: w.raw("Stacked bar chart of ")
        }
        w.text(valueLabel)
        w.raw(kind == .grouped ? " for each category, one bar each for " : " for each category, split into ")
        for (index, name) in names.enumerated() {
            if index > 0 { w.raw(", ") }
            w.text(name)
        }
        w.raw(". ")
        let totals = kind == .stacked ? self.totals : []
        for (category, name) in categories.enumerated() {
            if category > 0 { w.raw("; ") }
            w.text(name)
            w.raw(": ")
            if kind == .stacked {
                w.raw("total "); w.number(totals[category], decimals: 2); w.raw(" (")
            }
            for (series, row) in values.enumerated() {
                if series > 0 { w.raw(", ") }
                w.text(names[series]); w.raw(" "); w.number(row[category], decimals: 2)
            }
            if kind == .stacked { w.raw(")") }
        }
        w.raw(".")
    }
}
