extension BarChartRenderer {
    /// One bar per series in each category's row, top to bottom in series order.
    func writeGroupedBars(_ w: inout SVGWriter, _ l: Layout) {
        let thickness = barThickness
        for (category, name) in categories.enumerated() {
            var y = l.plotTop + Double(category) * l.slot + (l.slot - Double(names.count) * thickness) / 2
            for (series, row) in values.enumerated() {
                writeBar(&w, from: l.plotLeft, to: l.x(row[category]), y: y, height: thickness - 1,
                         colour: colour(series), category: name, series: names[series], value: row[category])
                y += thickness
            }
            w.raw("\n")
        }
    }

    /// One bar per category made of the series' segments left to right, its total at its end.
    func writeStackedBars(_ w: inout SVGWriter, _ l: Layout) {
        let totals = self.totals
        for (category, name) in categories.enumerated() {
            let y = l.plotTop + Double(category) * l.slot + (l.slot - Self.stackThickness) / 2
            var sum = 0.0
            for (series, row) in values.enumerated() where row[category] > 0 {
                let start = l.x(sum)
                sum += row[category]
                writeBar(&w, from: start, to: l.x(sum), y: y, height: Self.stackThickness,
                         colour: colour(series), category: name, series: names[series], value: row[category])
            }
            w.raw("<text class=\"total\" x=\""); w.coordinate(l.x(totals[category]) + 4)
            w.raw("\" y=\""); w.coordinate(y + Self.stackThickness / 2 + 4); w.raw("\" font-size=\"11\">")
            w.number(totals[category], decimals: 2)
            w.raw("</text>\n")
        }
    }

    /// A bar from `start` to `end` with its numbers as a tooltip. Both ends are rounded as
    /// written, so the segments of a stack touch exactly.
    private func writeBar(_ w: inout SVGWriter, from start: Double, to end: Double, y: Double, height: Double,
                          colour: String, category: String, series: String, value: Double) {
        let x = (start * 10).rounded() / 10
        w.raw("<rect class=\"bar\" x=\""); w.coordinate(x); w.raw("\" y=\""); w.coordinate(y)
        w.raw("\" width=\""); w.coordinate((end * 10).rounded() / 10 - x); w.raw("\" height=\""); w.coordinate(height)
        w.raw("\" fill=\""); w.raw(colour)
        w.raw("\"><title>"); w.text(category); w.raw(" — "); w.text(series); w.raw(": ")
        w.number(value, decimals: 2)
        w.raw("</title></rect>")
    }
}
