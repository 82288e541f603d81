@testable import Charts
import Testing

@Suite struct BiggestFirstTests {
    @Test func keepsTheBiggestAndSumsTheRestAsOther() {
        let categories = ["a", "b", "c", "d", "e"]
        let series = [ChartSeries(name: "young", values: [1, 5, 2, 2, 0]),
                      ChartSeries(name: "old", values: [1, 5, 1, 1, 3])]
        let folded = BarChart.biggestFirst(categories: categories, series: series, keeping: 2, otherLabel: "другие")
        // Totals: a 2, b 10, c 3, d 3, e 3 — ties keep their order.
        #expect(folded.categories == ["b", "c", "другие"])
        #expect(folded.series == [ChartSeries(name: "young", values: [5, 2, 1 + 2 + 0]),
                                  ChartSeries(name: "old", values: [5, 1, 1 + 1 + 3])])
    }

    @Test func nothingToFoldMeansNoOther() {
        let folded = BarChart.biggestFirst(categories: ["x", "y"], series: [ChartSeries(name: "s", values: [1, 2])])
        #expect(folded.categories == ["y", "x"])
        #expect(folded.series == [ChartSeries(name: "s", values: [2, 1])])
        let empty = BarChart.biggestFirst(categories: [], series: [])
        #expect(empty.categories.isEmpty && empty.series.isEmpty)
    }

    @Test func twoHundredTownsBecomeThirtyAndOtherWithTheSameTotal() {
        let many = ChartSamples.demand(count: 200)
        let folded = BarChart.biggestFirst(categories: many.categories, series: many.series)
        #expect(folded.categories.count == 31)
        #expect(folded.categories.last == "other")
        for (before, after) in zip(many.series, folded.series) {
            #expect(after.values.count == 31)
            #expect(abs(before.values.reduce(0, +) - after.values.reduce(0, +)) < 1e-6)
        }
        let totals = (0..<30).map { index in folded.series.reduce(0) { $0 + $1.values[index] } }
        #expect(totals == totals.sorted(by: >))
    }

    @Test func shortSeriesAndOddValuesCountAsZero() {
        let folded = BarChart.biggestFirst(categories: ["a", "b", "c"],
                                           series: [ChartSeries(name: "s", values: [.nan, -1])], keeping: 1)
        #expect(folded.categories == ["a", "other"])
        #expect(folded.series == [ChartSeries(name: "s", values: [0, 0])])
    }
}
