@testable import Charts
import Foundation
import Testing

/// Charts drawn narrower for pages read on phones, long titles, and fonts for any script.
@Suite struct ChartWidthTests {
    let demand = ChartSamples.demand(count: 30)
    static let longTitle = "Residents by town and age group in import 1234567, 2026-12-07"

    func stacked(title: String = ChartWidthTests.longTitle, width: Double) throws -> SVGDocument {
        let svg = String(decoding: BarChart.stackedUTF8(title: title, categories: demand.categories, series: demand.series,
                                                        valueLabel: "residents", id: "demand", width: width), as: UTF8.self)
        return try #require(SVGDocument.parse(svg), "not well-formed: \(SVGDocument.parseError(svg))")
    }

    /// The title wraps at a space instead of running off the chart ("…in import 3, 2026-12-0").
    @Test func aLongTitleWrapsWhole() throws {
        for width in [360.0, 520] {
            let titles = try stacked(width: width).all("text", class: "title").map(\.text)
            #expect(titles.count >= 2 && titles.count <= 3, "\(width): \(titles)")
            #expect(titles.joined(separator: " ") == Self.longTitle, "nothing cut: \(titles)")
            for line in titles {
                // Bold is about a tenth wider than TextWidth's regular estimate.
                #expect(TextWidth.of(line, fontSize: 16 * 1.1) <= width - 24, "\(width): \(line)")
            }
        }
    }

    /// A narrower viewBox keeps the same text sizes (11 units at least), so shown at its width
    /// in pixels every label is 11 px or more.
    @Test func aNarrowChartKeepsItsTextSizesAndFitsItsWidth() throws {
        let document = try stacked(width: 360)
        let root = try #require(document.root)
        #expect(root.attributes["viewBox"]?.hasPrefix("0 0 360 ") == true, "\(root.attributes)")
        #expect(root.number("font-size") == 12)
        for element in document.elements where element.name == "g" || element.name == "text" {
            if let size = element.number("font-size") { #expect(size >= 11, "\(element.name) \(element.attributes)") }
        }
        for text in document.all("text") {
            if let x = text.number("x") { #expect(x >= 0 && x <= 360, "\(text.text) at \(x)") }
        }
        for rect in document.all("rect") {
            if let x = rect.number("x"), let w = rect.number("width") { #expect(x + w <= 360.5, "\(rect.attributes)") }
        }
    }

    @Test func theFontsIncludeCJKAndCyrillicFallbacks() throws {
        let family = try #require(try stacked(width: 520).root?.attributes["font-family"])
        #expect(family.hasPrefix("system-ui") && family.hasSuffix("sans-serif"), "\(family)")
        #expect(family.contains("'Noto Sans CJK SC'") && family.contains("'DejaVu Sans'"), "\(family)")
    }
}
