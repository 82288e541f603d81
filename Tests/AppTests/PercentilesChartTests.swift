import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import TestSupport

/// The percentile endpoint as a chart: the same numbers as its JSON, as a safe, accessible SVG.
@Suite struct PercentilesChartTests {
    let port = TestEnvironment.port

    static let body = #"{"citizens": [{"citizen_id": 1, "town": "A<&>\"'", "street": "a", "building": "1", "apartment": 1, "name": "A", "birth_date": "01.02.1990", "gender": "male", "relatives": []}, {"citizen_id": 2, "town": "Керчь", "street": "a", "building": "1", "apartment": 1, "name": "B", "birth_date": "01.03.1971", "gender": "female", "relatives": []}]}"#

    final class Collector: NSObject, XMLParserDelegate {
        var elements: [String] = []
        var attributes: [[String: String]] = []
        var text = ""
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            elements.append(name)
            self.attributes.append(attributes)
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
    }

    @Test func anSVGChartOfTheSameNumbers() throws {
        let id: Int = try httpRequest(port: port, "POST", "/imports", json: Self.body).dataField("import_id")
        let json = try httpRequest(port: port, "GET", "/imports/\(id)/towns/stat/percentile/age").requireDataArray()
        let svg = try httpRequest(port: port, "GET", "/imports/\(id)/towns/stat/percentile/age", headers: [("Accept", "image/svg+xml")])
        #expect(svg.status == 200 && svg.header("Content-Type")?.hasPrefix("image/svg+xml") == true, "\(svg.summary)")
        #expect(svg.header("X-Content-Type-Options") == "nosniff")
        #expect(svg.header("Content-Security-Policy")?.contains("default-src 'none'") == true)
        #expect(svg.header("Vary")?.contains("Accept") == true)

        let collector = Collector()
        let parser = XMLParser(data: Data(svg.body))
        parser.delegate = collector
        #expect(parser.parse(), "well-formed XML: \(parser.parserError.map { "\($0)" } ?? "")")
        #expect(collector.elements.first == "svg" && collector.attributes.first?["role"] == "img")
        #expect(collector.elements.contains("title") && collector.elements.contains("desc"))
        #expect(!collector.elements.contains("script"))
        #expect(collector.text.contains("A<&>\"'"), "the town's name, escaped in the document, reads back whole")
        for town in json {
            let p99 = town.double("p99") ?? -1
            let text = p99 == p99.rounded() ? String(Int(p99)) : String(p99)
            #expect(collector.text.contains(text), "the description states p99 \(text)")
        }
        let byQuery = try httpRequest(port: port, "GET", "/imports/\(id)/towns/stat/percentile/age?format=svg")
        #expect(byQuery.status == 200 && byQuery.body == svg.body)
        let jsonFirst = try httpRequest(port: port, "GET", "/imports/\(id)/towns/stat/percentile/age",
                                        headers: [("Accept", "application/json, image/svg+xml")])
        #expect(jsonFirst.header("Content-Type")?.hasPrefix("application/json") == true && jsonFirst.header("Vary") == "Accept")
        let bad = try httpRequest(port: port, "GET", "/imports/\(id)/towns/stat/percentile/age?format=png")
        #expect(bad.status == 400, "\(bad.summary)")
    }
}
