@testable import Charts
import Foundation
import Testing

@Suite struct ChartSampleTests {
    /// Prints how long a 30-town chart takes (not an assertion: timing varies by machine).
    @Test func timing() {
        let percentiles = ChartSamples.percentiles(count: 30)
        let demand = BarChart.biggestFirst(categories: ChartSamples.demand(count: 200).categories,
                                           series: ChartSamples.demand(count: 200).series)
        let rounds = 200
        var bytes = 0
        let clock = ContinuousClock()
        let grouped = clock.measure {
            for _ in 0..<rounds {
                bytes &+= BarChart.groupedUTF8(title: "Age percentiles by town", categories: percentiles.categories,
                                               series: percentiles.series, valueLabel: "age, years").count
            }
        }
        let stacked = clock.measure {
            for _ in 0..<rounds {
                bytes &+= BarChart.stackedUTF8(title: "Residents by town and age group", categories: demand.categories,
                                               series: demand.series, valueLabel: "residents").count
            }
        }
        print("Charts timing: grouped 30 towns \(grouped / rounds), stacked 31 towns × 7 groups \(stacked / rounds) per chart (\(bytes / rounds / 2) bytes)")
        #expect(bytes > 0)
    }

    /// Writes /tmp/charts-sample-*.svg to look at, when CHARTS_SAMPLES is set.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["CHARTS_SAMPLES"] != nil))
    func writeSamples() throws {
        let percentiles = ChartSamples.percentiles(count: 30)
        let all = ChartSamples.demand(count: 40)
        let demand = BarChart.biggestFirst(categories: all.categories, series: all.series)
        let few = ChartSamples.percentiles(count: 4)
        let samples = [
            ("grouped", BarChart.grouped(title: "Age percentiles by town (import 1)", categories: percentiles.categories,
                                         series: percentiles.series, valueLabel: "age, years")),
            ("stacked", BarChart.stacked(title: "Residents by town and age group (import 1)", categories: demand.categories,
                                         series: demand.series, valueLabel: "residents")),
            ("few", BarChart.grouped(title: "Age percentiles by town", categories: few.categories,
                                     series: few.series, valueLabel: "age, years")),
            ("empty", BarChart.stacked(title: "Residents by town and age group", categories: [], series: [],
                                       valueLabel: "residents")),
        ]
        for (name, svg) in samples {
            try svg.write(toFile: "/tmp/charts-sample-\(name).svg", atomically: true, encoding: .utf8)
        }
    }
}
