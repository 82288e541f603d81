/// Lays out and writes one horizontal bar chart (see `BarChart` for what it looks like).
struct BarChartRenderer {
    enum Kind { case grouped, stacked }

    // Geometry in user units of the viewBox.
    static let defaultWidth = 520.0
    static let margin = 12.0
    static let titleFont = 16.0, titleLine = 20.0
    static let legendRow = 18.0, swatch = 12.0
    static let labelFont = 12.0, labelLine = 13.0
    static let smallFont = 11.0
    static let stackThickness = 16.0
    /// Above this many categories the tick labels repeat above the bars.
    static let topAxisFrom = 13

    let kind: Kind
    let title: String
    let categories: [String]
    let names: [String]
    /// values[series][category], sanitized.
    let values: [[Double]]
    let valueLabel: String
    let id: String
    /// The viewBox's width: the narrower, the larger the text where the page is narrow.
    let width: Double

    init(kind: Kind, title: String, categories: [String], series: [ChartSeries], valueLabel: String, id: String,
         width: Double = BarChartRenderer.defaultWidth) {
        self.kind = kind
        self.width = max(240, width)
        self.title = title
        self.categories = categories
        names = series.map(\.name)
        values = series.map { BarChartValues.sanitized($0.values, count: categories.count) }
        self.valueLabel = valueLabel
        self.id = BarChartRenderer.safeId(id)
    }

    /// Category labels wrap, then end in "…", beyond this width.
    var maxLabelWidth: Double { min(160, (width * 0.36).rounded()) }

    var isEmpty: Bool { categories.isEmpty || values.isEmpty }

    /// Stacked: each category's sum over the series.
    var totals: [Double] {
        var totals = [Double](repeating: 0, count: categories.count)
        for row in values {
            for (index, value) in row.enumerated() { totals[index] += value }
        }
        return totals
    }

    func render() -> [UInt8] {
        var w = SVGWriter(capacity: 4096 + categories.count * (400 + 160 * max(1, names.count)))
        if isEmpty {
            writeNoData(&w)
        } else {
            writeChart(&w)
        }
        return w.bytes
    }

    // MARK: - Layout

    /// Where everything goes, computed once before writing.
    struct Layout {
        var titleLines: [String] = []
        var legend: [(x: Double, y: Double, name: String, colour: String)] = []
        var categoryLines: [[String]] = []
        var truncated: [Bool] = []
        var scale = NiceScale(maximum: 1, maxSteps: 1)
        var plotLeft = 0.0, plotRight = 0.0
        var topAxisBaseline: Double? = nil
        var plotTop = 0.0, slot = 0.0
        var height = 0.0

        var plotBottom: Double { plotTop + slot * Double(categoryLines.count) }
        func x(_ value: Double) -> Double { plotLeft + (plotRight - plotLeft) * value / scale.top }
    }

    func layout() -> Layout {
        let m = Self.margin
        var l = Layout()
        var y = m
        l.titleLines = titleLines()
        y += Double(l.titleLines.count) * Self.titleLine + 8

        // Legend: swatch and name, flowing into rows.
        var x = m
        for (index, name) in names.enumerated() {
            let text = TextWidth.truncated(name, width: 200, fontSize: Self.labelFont)
            let itemWidth = Self.swatch + 5 + TextWidth.of(text, fontSize: Self.labelFont)
            if x > m, x + itemWidth > width - m {
                x = m
                y += Self.legendRow
            }
            l.legend.append((x, y, text, colour(index)))
            x += itemWidth + 16
        }
        y += Self.legendRow + 6

        // Category labels on one or two lines, right-aligned against the plot.
        var labelWidth = 24.0
        for category in categories {
            let lines = TextWidth.lines(category, width: maxLabelWidth, fontSize: Self.labelFont, maxLines: 2)
            for line in lines { labelWidth = max(labelWidth, TextWidth.of(line, fontSize: Self.labelFont)) }
            l.categoryLines.append(lines)
            l.truncated.append(lines.joined(separator: " ") != category && lines.joined() != category)
        }
        l.plotLeft = m + min(labelWidth, maxLabelWidth) + 8

        // The value axis: as many round steps as fit (at most 8, each at least 40 units wide and
        // wider than its label), the more the closer the axis ends to the largest value.
        let maximum = kind == .grouped ? values.lazy.flatMap { $0 }.max() ?? 0 : totals.max() ?? 0
        let endLabels = kind == .stacked
            ? TextWidth.of(Self.numberText(maximum), fontSize: Self.smallFont) + 6 : 0
        for maxSteps in stride(from: 8, through: 1, by: -1) {
            l.scale = NiceScale(maximum: maximum, maxSteps: maxSteps)
            let tickLabel = TextWidth.of(Self.numberText(l.scale.top, decimals: l.scale.decimals), fontSize: Self.smallFont)
            l.plotRight = width - m - max(endLabels, tickLabel / 2)
            if (l.plotRight - l.plotLeft) / Double(l.scale.count) >= max(40, tickLabel + 10) { break }
        }

        if categories.count >= Self.topAxisFrom {
            l.topAxisBaseline = y + 8
            y += 18
        }
        l.plotTop = y
        switch kind {
        case .grouped:
            l.slot = max(2 * Self.labelLine + 4, Double(names.count) * barThickness + 10)
        case .stacked:
            l.slot = max(2 * Self.labelLine + 2, Self.stackThickness + 10)
        }
        l.height = l.plotBottom + 44
        return l
    }

    /// Grouped: the thickness of one bar (one pixel of it is the gap to the next).
    var barThickness: Double { names.count <= 4 ? 8 : 6 }

    func colour(_ index: Int) -> String { Palette.colour(index, ordered: kind == .stacked) }

    // MARK: - Writing

    private func writeChart(_ w: inout SVGWriter) {
        let l = layout()
        writeOpening(&w, height: l.height)
        writeTitle(&w, l.titleLines)
        for item in l.legend {
            w.raw("<rect x=\""); w.coordinate(item.x); w.raw("\" y=\""); w.coordinate(item.y + 1)
            w.raw("\" width=\"12\" height=\"12\" fill=\""); w.raw(item.colour); w.raw("\"/>")
            w.raw("<text x=\""); w.coordinate(item.x + Self.swatch + 5); w.raw("\" y=\""); w.coordinate(item.y + 11.5)
            w.raw("\">"); w.text(item.name); w.raw("</text>\n")
        }
        // Every other row shaded, so a bar is easy to follow to its label.
        for index in stride(from: 1, to: categories.count, by: 2) {
            w.raw("<rect x=\""); w.coordinate(Self.margin); w.raw("\" y=\""); w.coordinate(l.plotTop + Double(index) * l.slot)
            w.raw("\" width=\""); w.coordinate(width - 2 * Self.margin); w.raw("\" height=\""); w.coordinate(l.slot)
            w.raw("\" fill=\"#f2f3f5\"/>")
        }
        w.raw("\n")
        for tick in l.scale.ticks.dropFirst() {
            let x = l.x(tick)
            w.raw("<line x1=\""); w.coordinate(x); w.raw("\" x2=\""); w.coordinate(x)
            w.raw("\" y1=\""); w.coordinate(l.plotTop); w.raw("\" y2=\""); w.coordinate(l.plotBottom + 4)
            w.raw("\" stroke=\"#d4d6da\"/>")
        }
        w.raw("\n")
        switch kind {
        case .grouped: writeGroupedBars(&w, l)
        case .stacked: writeStackedBars(&w, l)
        }
        // The axes: zero line and the value axis below.
        w.raw("<path d=\"M"); w.coordinate(l.plotLeft); w.raw(" "); w.coordinate(l.plotTop)
        w.raw("V"); w.coordinate(l.plotBottom); w.raw("H"); w.coordinate(l.plotRight)
        w.raw("\" fill=\"none\" stroke=\"#555\"/>\n")
        writeTickLabels(&w, l, baseline: l.plotBottom + 16)
        if let top = l.topAxisBaseline { writeTickLabels(&w, l, baseline: top) }
        w.raw("<text class=\"value-label\" x=\""); w.coordinate((l.plotLeft + l.plotRight) / 2)
        w.raw("\" y=\""); w.coordinate(l.plotBottom + 34); w.raw("\" text-anchor=\"middle\">")
        w.text(TextWidth.truncated(valueLabel, width: l.plotRight - l.plotLeft, fontSize: Self.labelFont))
        w.raw("</text>\n")
        writeCategoryLabels(&w, l)
        w.raw("</svg>\n")
    }

    private func writeTickLabels(_ w: inout SVGWriter, _ l: Layout, baseline: Double) {
        w.raw("<g class=\"ticks\" font-size=\"11\" fill=\"#444\" text-anchor=\"middle\">")
        for tick in l.scale.ticks {
            w.raw("<text x=\""); w.coordinate(l.x(tick)); w.raw("\" y=\""); w.coordinate(baseline); w.raw("\">")
            w.number(tick, decimals: l.scale.decimals)
            w.raw("</text>")
        }
        w.raw("</g>\n")
    }

    private func writeCategoryLabels(_ w: inout SVGWriter, _ l: Layout) {
        w.raw("<g class=\"categories\" text-anchor=\"end\">\n")
        for (index, lines) in l.categoryLines.enumerated() {
            let middle = l.plotTop + (Double(index) + 0.5) * l.slot
            let x = l.plotLeft - 6
            var baseline = middle + 4 - Double(lines.count - 1) * Self.labelLine / 2
            w.raw("<text x=\""); w.coordinate(x); w.raw("\" y=\""); w.coordinate(baseline); w.raw("\">")
            if l.truncated[index] {
                w.raw("<title>"); w.text(categories[index]); w.raw("</title>")
            }
            if lines.count == 1 {
                w.text(lines[0])
            } else {
                for line in lines {
                    w.raw("<tspan x=\""); w.coordinate(x); w.raw("\" y=\""); w.coordinate(baseline); w.raw("\">")
                    w.text(line)
                    w.raw("</tspan>")
                    baseline += Self.labelLine
                }
            }
            w.raw("</text>\n")
        }
        w.raw("</g>\n")
    }

    private func writeOpening(_ w: inout SVGWriter, height: Double) {
        w.raw("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 "); w.coordinate(width)
        w.raw(" "); w.coordinate(height)
        w.raw("\" width=\"100%\" role=\"img\" aria-labelledby=\""); w.raw(id); w.raw("-title "); w.raw(id)
        w.raw("-desc\" font-family=\""); w.raw(BarChart.fontFamily); w.raw("\" font-size=\"12\" fill=\"#222\">\n")
        w.raw("<title id=\""); w.raw(id); w.raw("-title\">"); w.text(title); w.raw("</title>\n")
        w.raw("<desc id=\""); w.raw(id); w.raw("-desc\">"); writeDescription(&w); w.raw("</desc>\n")
        w.raw("<rect width=\""); w.coordinate(width); w.raw("\" height=\""); w.coordinate(height)
        w.raw("\" fill=\"#fff\"/>\n")
    }

    private func writeTitle(_ w: inout SVGWriter, _ lines: [String]) {
        var baseline = Self.margin + 15
        for line in lines {
            w.raw("<text class=\"title\" x=\""); w.coordinate(Self.margin); w.raw("\" y=\""); w.coordinate(baseline)
            w.raw("\" font-size=\"16\" font-weight=\"bold\">"); w.text(line); w.raw("</text>\n")
            baseline += Self.titleLine
        }
    }

    private func writeNoData(_ w: inout SVGWriter) {
        let lines = titleLines()
        let height = Self.margin + Double(lines.count) * Self.titleLine + 100
        writeOpening(&w, height: height)
        writeTitle(&w, lines)
        w.raw("<text class=\"no-data\" x=\""); w.coordinate(width / 2); w.raw("\" y=\"")
        w.coordinate(height - 44); w.raw("\" text-anchor=\"middle\" font-size=\"14\" fill=\"#666\">no data</text>\n")
        w.raw("</svg>\n")
    }

    // MARK: - Helpers

    /// The title in up to three lines. Its bold glyphs are about a tenth wider than the regular
    /// ones TextWidth estimates, so it is measured as a larger regular font.
    func titleLines() -> [String] {
        TextWidth.lines(title, width: width - 2 * Self.margin, fontSize: Self.titleFont * 1.12, maxLines: 3)
    }

    static func numberText(_ value: Double, decimals: Int = 2) -> String {
        var w = SVGWriter(capacity: 24)
        w.number(value, decimals: decimals)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    /// Letters, digits, `-` and `_` of `id`, starting with a letter ("chart" when none is left).
    static func safeId(_ id: String) -> String {
        let kept = id.unicodeScalars.filter {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_")
        }
        var safe = String(String.UnicodeScalarView(kept))
        if safe.isEmpty { return "chart" }
        if let first = safe.unicodeScalars.first, !first.properties.isAlphabetic { safe = "chart-" + safe }
        return safe
    }
}
