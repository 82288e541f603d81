@testable import Charts
import Foundation
import Testing

@Suite struct BarChartTests {
    let percentiles = ChartSamples.percentiles(count: 30)
    let demand = ChartSamples.demand(count: 30)

    func grouped(_ categories: [String], _ series: [ChartSeries], id: String = "chart") -> String {
        BarChart.grouped(title: "Age percentiles by town", categories: categories, series: series,
                         valueLabel: "age, years", id: id)
    }

    func stacked(_ categories: [String], _ series: [ChartSeries]) -> String {
        BarChart.stacked(title: "Residents by town and age group", categories: categories, series: series,
                         valueLabel: "residents")
    }

    @Test func bothChartsAreWellFormedAccessibleSVG() throws {
        for svg in [grouped(percentiles.categories, percentiles.series), stacked(demand.categories, demand.series)] {
            let document = try #require(SVGDocument.parse(svg), "not well-formed: \(SVGDocument.parseError(svg))")
            let root = try #require(document.root)
            #expect(root.name == "svg")
            #expect(root.attributes["xmlns"] == "http://www.w3.org/2000/svg")
            #expect(root.attributes["role"] == "img")
            #expect(root.attributes["width"] == "100%")
            #expect(root.attributes["viewBox"]?.hasPrefix("0 0 520 ") == true)
            #expect(root.attributes["aria-labelledby"] == "chart-title chart-desc")
            let title = document.all("title").first { $0.attributes["id"] == "chart-title" }
            let desc = document.all("desc").first { $0.attributes["id"] == "chart-desc" }
            #expect(title?.ancestors == ["svg"])
            #expect(desc?.ancestors == ["svg"])
            #expect(title?.text.isEmpty == false)
            // No script, no style, no external reference of any kind.
            #expect(!svg.contains("<script"))
            #expect(!svg.contains("<style"))
            #expect(!svg.contains("href"))
            #expect(!svg.contains("url("))
            #expect(svg.range(of: #"\son[a-z]+="#, options: .regularExpression) == nil, "no event handler")
            #expect(!svg.contains("<foreignObject"))
        }
    }

    @Test func theDescriptionStatesTheNumbers() throws {
        let svg = grouped(["Москва", "Казань"], [ChartSeries(name: "p50", values: [34, 30]),
                                                 ChartSeries(name: "p75", values: [36.5, 31.25]),
                                                 ChartSeries(name: "p99", values: [38.9, 40])])
        let document = try #require(SVGDocument.parse(svg))
        let desc = try #require(document.all("desc").first).text
        #expect(desc.contains("Москва: p50 34, p75 36.5, p99 38.9; Казань: p50 30, p75 31.25, p99 40."), "\(desc)")
        #expect(desc.contains("age, years"))

        let stacked = self.stacked(["Москва"], [ChartSeries(name: "0–17", values: [10]),
                                                ChartSeries(name: "65+", values: [2.5])])
        let stackedDesc = try #require(SVGDocument.parse(stacked)?.all("desc").first).text
        #expect(stackedDesc.contains("Москва: total 12.5 (0–17 10, 65+ 2.5)."), "\(stackedDesc)")
    }

    @Test func everyTextIsEscapedAndXMLForbiddenCharactersReplaced() throws {
        let nasty = "<&>\"'"
        let control = "Bad\u{1}Town\u{0}\u{FFFE}"
        let svg = BarChart.grouped(title: "T <b>&amp;</b> \u{8}", categories: [nasty, control, "]]>"],
                                   series: [ChartSeries(name: "p<50>", values: [1, 2, 3])], valueLabel: "a & b")
        let document = try #require(SVGDocument.parse(svg), "not well-formed: \(SVGDocument.parseError(svg))")
        let texts = document.all("text").map(\.text)
        #expect(texts.contains(nasty), "\(texts)")
        #expect(texts.contains("Bad\u{FFFD}Town\u{FFFD}\u{FFFD}"), "\(texts)")
        #expect(texts.contains("]]>"))
        #expect(texts.contains("p<50>"))
        #expect(texts.contains("a & b"))
        #expect(document.all("title").first?.text == "T <b>&amp;</b> \u{FFFD}")
        #expect(!svg.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        // The description too.
        #expect(document.all("desc").first?.text.contains("<&>\"': p<50> 1") == true)
    }

    @Test func groupedBarLengthsAreProportionalToTheValues() throws {
        let svg = grouped(percentiles.categories, percentiles.series)
        let document = try #require(SVGDocument.parse(svg))
        let bars = document.all("rect", class: "bar")
        #expect(bars.count == 30 * 3)
        let values = (0..<30).flatMap { category in percentiles.series.map { $0.values[category] } }
        let left = try #require(bars.first?.number("x"))
        let ratio = try #require(bars.first?.number("width")).self / values[0]
        for (bar, value) in zip(bars, values) {
            #expect(bar.number("x") == left)
            let width = try #require(bar.number("width"))
            #expect(abs(width - value * ratio) <= 0.15, "\(value) drawn \(width) long")
            #expect(bar.number("height") == 7)
        }
        // Within a town the bars are stacked top to bottom in series order, colours by series.
        #expect(bars[0].attributes["fill"] == "#0072B2")
        #expect(bars[1].attributes["fill"] == "#E69F00")
        #expect(bars[2].attributes["fill"] == "#009E73")
        #expect(try #require(bars[1].number("y")) > #require(bars[0].number("y")))
        // Rows do not overlap.
        for index in stride(from: 3, to: bars.count, by: 3) {
            #expect(try #require(bars[index].number("y")) >= #require(bars[index - 1].number("y")) + 7)
        }
    }

    @Test func ticksAreRoundAndCoverTheLargestValue() throws {
        let maximum = percentiles.series.flatMap(\.values).max() ?? 0
        let svg = grouped(percentiles.categories, percentiles.series)
        let document = try #require(SVGDocument.parse(svg))
        let tickGroups = document.all("g", class: "ticks")
        #expect(tickGroups.count == 2, "30 categories repeat the ticks above the bars")
        let values = tickLabels(svg).compactMap(Double.init)
        #expect(values.first == 0)
        #expect(try #require(values.last) >= maximum)
        let step = values[1] - values[0]
        #expect([1.0, 2, 5, 10, 20, 50, 100].contains(step), "\(values)")
        for (index, value) in values.enumerated() { #expect(abs(value - Double(index) * step) < 1e-9) }
        #expect(try #require(values.last) - step < maximum, "no empty step past the largest value")

        // The last tick is at the right end of the longest possible bar.
        let bars = document.all("rect", class: "bar")
        let left = try #require(bars.first?.number("x"))
        let ratio = try #require(bars.first?.number("width")) / percentiles.series[0].values[0]
        let gridlines = document.all("line").compactMap { $0.number("x1") }
        #expect(abs(try #require(gridlines.max()) - (left + ratio * (values.last ?? 0))) < 0.3)
    }

    @Test(arguments: [(0.3, 0.05, 6), (0.5, 0.1, 5), (7.0, 2.0, 4), (38.9, 10.0, 4), (100.0, 20.0, 5),
                      (1.0, 0.2, 5), (1234.0, 500.0, 3), (10154, 2000, 6), (0.0, 0.2, 5), (1e15, 2e14, 5),
                      (5.0, 1.0, 5), (0.1 + 0.2, 0.05, 6), (60, 10, 6)])
    func niceScalesAtMostSixSteps(maximum: Double, step: Double, count: Int) {
        let scale = NiceScale(maximum: maximum, maxSteps: 6)
        #expect(abs(scale.step - step) < step * 1e-9, "\(maximum): \(scale)")
        #expect(scale.count == count, "\(maximum): \(scale)")
        #expect(scale.top >= maximum * (1 - 1e-12))
    }

    @Test func numbersHaveNoExponentAndNoTrailingZeros() {
        let cases: [(Double, String)] = [(40, "40"), (36.5, "36.5"), (38.92, "38.92"), (0.25, "0.25"),
                                         (1e15, "1000000000000000"), (1e300, "1000000000000000"),
                                         (-2.5, "-2.5"), (0.001, "0"), (.nan, "0"), (12345678, "12345678"),
                                         (0.1 + 0.2, "0.3"), (99.999, "100")]
        for (value, text) in cases {
            #expect(BarChartRenderer.numberText(value) == text, "\(value)")
        }
    }

    @Test func stackedSegmentsAddUpToTheTotal() throws {
        let svg = stacked(demand.categories, demand.series)
        let document = try #require(SVGDocument.parse(svg))
        let bars = document.all("rect", class: "bar")
        let totals = document.all("text", class: "total")
        #expect(totals.count == 30)
        var index = 0
        var ratio: Double? = nil
        for category in 0..<30 {
            let values = demand.series.map { $0.values[category] }
            let total = values.reduce(0, +)
            #expect(totals[category].text == BarChartRenderer.numberText(total))
            let drawn = values.filter { $0 > 0 }.count
            let segments = (0..<drawn).map { bars[index + $0] }
            index += segments.count
            let y = segments.first?.number("y")
            var end = try #require(segments.first?.number("x"))
            for segment in segments {
                #expect(segment.number("y") == y)
                #expect(abs(try #require(segment.number("x")) - end) <= 0.1, "segments touch")
                end = try #require(segment.number("x")) + #require(segment.number("width"))
            }
            let length = end - (segments.first?.number("x") ?? 0)
            let r = ratio ?? length / total
            ratio = r
            #expect(abs(length - total * r) <= 0.3, "\(demand.categories[category]): \(total) drawn \(length) long")
            #expect(abs(try #require(totals[category].number("x")) - (end + 4)) <= 0.3, "total at the bar's end")
        }
        #expect(index == bars.count)
    }

    @Test func theLegendListsTheSeriesInOrderWithTheirColours() throws {
        for (svg, names) in [(grouped(percentiles.categories, percentiles.series), ["p50", "p75", "p99"]),
                             (stacked(demand.categories, demand.series), ChartSamples.ageGroups)] {
            let document = try #require(SVGDocument.parse(svg))
            let swatches = document.all("rect").filter { $0.attributes["width"] == "12" && $0.attributes["height"] == "12" }
            #expect(swatches.count == names.count)
            let legendTexts = document.all("text").map(\.text).filter { names.contains($0) }
            #expect(legendTexts == names)
            let bars = document.all("rect", class: "bar")
            for (index, swatch) in swatches.enumerated() {
                let fill = swatch.attributes["fill"]
                #expect(bars.contains { $0.attributes["fill"] == fill }, "series \(index) drawn in its legend colour")
            }
        }
    }

    @Test func aLongLegendWrapsInsideTheChart() throws {
        let groups = (0..<21).map { ChartSeries(name: "\($0 * 5)–\($0 * 5 + 4) years", values: [Double($0), 1]) }
        let svg = stacked(["Москва", "Казань"], groups)
        let document = try #require(SVGDocument.parse(svg))
        let swatches = document.all("rect").filter { $0.attributes["width"] == "12" && $0.attributes["height"] == "12" }
        #expect(swatches.count == 21)
        #expect(Set(swatches.compactMap { $0.number("y") }).count > 1, "more than one row")
        for swatch in swatches { #expect(try #require(swatch.number("x")) < 520 - 12 - 12) }
        #expect(Set(swatches.compactMap { $0.attributes["fill"] }).count == 16, "8 colours and their tints")
        let firstBar = try #require(document.all("rect", class: "bar").first?.number("y"))
        #expect(try #require(swatches.compactMap { $0.number("y") }.max()) + 12 < firstBar)
    }

    @Test func emptyInputSaysNoData() throws {
        for svg in [grouped([], percentiles.series), grouped(percentiles.categories, []),
                    stacked([], []), stacked(["A"], [])] {
            let document = try #require(SVGDocument.parse(svg))
            #expect(document.root?.attributes["role"] == "img")
            #expect(document.all("text", class: "no-data").first?.text == "no data")
            #expect(document.all("desc").first?.text == "No data.")
            #expect(document.all("rect", class: "bar").isEmpty)
        }
    }

    @Test func twoHundredCategoriesStayValid() throws {
        let many = ChartSamples.demand(count: 200)
        let folded = BarChart.biggestFirst(categories: many.categories, series: many.series)
        #expect(folded.categories.count == 31)
        let svg = stacked(folded.categories, folded.series)
        #expect(SVGDocument.parse(svg) != nil)
        let all = ChartSamples.percentiles(count: 200)
        let big = grouped(all.categories, all.series)
        let document = try #require(SVGDocument.parse(big))
        #expect(document.all("rect", class: "bar").count == 600)
        #expect(document.all("g", class: "categories").count == 1)
    }

    @Test func outputIsDeterministic() {
        #expect(grouped(percentiles.categories, percentiles.series) == grouped(percentiles.categories, percentiles.series))
        #expect(stacked(demand.categories, demand.series) == stacked(demand.categories, demand.series))
        #expect(BarChart.groupedUTF8(title: "t", categories: ["a"], series: [ChartSeries(name: "s", values: [1])], valueLabel: "v")
                == Array(BarChart.grouped(title: "t", categories: ["a"], series: [ChartSeries(name: "s", values: [1])], valueLabel: "v").utf8))
    }

    @Test func idsAreSafeAndDistinctPerChart() throws {
        let svg = grouped(["a"], [ChartSeries(name: "s", values: [1])], id: "demand\" onload=\"x")
        let root = try #require(SVGDocument.parse(svg)?.root)
        #expect(root.attributes["aria-labelledby"] == "demandonloadx-title demandonloadx-desc")
        #expect(BarChartRenderer.safeId("1st") == "chart-1st")
        #expect(BarChartRenderer.safeId("<>") == "chart")
    }

    @Test func oddValuesAreDrawnAsZero() throws {
        let svg = grouped(["a", "b", "c", "d"], [ChartSeries(name: "s", values: [-5, .nan, .infinity])])
        let document = try #require(SVGDocument.parse(svg))
        let widths = document.all("rect", class: "bar").map { $0.number("width") }
        #expect(widths == [0, 0, 0, 0])
        #expect(document.all("desc").first?.text.contains("a: s 0; b: s 0; c: s 0; d: s 0.") == true)
    }

    @Test func longLabelsWrapOrEndInAnEllipsis() throws {
        let svg = grouped(percentiles.categories, percentiles.series)
        let document = try #require(SVGDocument.parse(svg))
        let labels = document.all("text").filter { $0.ancestors.last == "g" }
            .filter { element in percentiles.categories.contains { $0.hasPrefix(String(element.text.prefix(3))) } }
        #expect(!labels.isEmpty)
        let welsh = document.all("text").first { $0.text.hasPrefix("Llanfair") }
        #expect(welsh?.text.hasSuffix("…") == true)
        let tooltips = document.all("title").map(\.text)
        #expect(tooltips.contains("Llanfairpwllgwyngyllgogerychwyndrobwllllantysiliogogogoch"))
        let wrapped = document.all("tspan").map(\.text)
        #expect(wrapped.contains("Петропавловск-") && wrapped.contains("Камчатский"), "\(wrapped)")
    }

    func tickLabels(_ svg: String) -> [String] {
        guard let document = SVGDocument.parse(svg) else { return [] }
        // The first group of tick labels (there are two when the ticks repeat above the bars).
        var labels: [String] = []
        var inTicks = false
        for element in document.elements {
            if element.name == "g" {
                if inTicks { break }
                inTicks = element.classes.contains("ticks")
            } else if inTicks, element.name == "text" {
                labels.append(element.text)
            }
        }
        return labels
    }
}
