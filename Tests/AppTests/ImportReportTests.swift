import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import TestSupport

/// The demand chart and the import's HTML report, from outside.
@Suite struct ImportReportTests {
    let port = TestEnvironment.port

    static let body = #"{"citizens": [{"citizen_id": 1, "town": "A<&>\"'", "street": "a", "building": "1", "apartment": 1, "name": "A", "birth_date": "01.02.1990", "gender": "male", "relatives": [2]}, {"citizen_id": 2, "town": "Keflavík-\#(UInt32.random(in: 0...UInt32.max))", "street": "a", "building": "1", "apartment": 1, "name": "B", "birth_date": "01.03.1971", "gender": "female", "relatives": [1]}]}"#

    @Test func theDemandChartIsAWellFormedAccessibleSVG() throws {
        let id: Int = try httpRequest(port: port, "POST", "/imports", json: Self.body).dataField("import_id")
        let svg = try httpRequest(port: port, "GET", "/imports/\(id)/towns/stat/demand?format=svg&as_of=2024-01-01")
        #expect(svg.status == 200 && svg.header("Content-Type")?.hasPrefix("image/svg+xml") == true, "\(svg.summary)")
        #expect(svg.header("X-Content-Type-Options") == "nosniff" && svg.header("Content-Security-Policy") != nil)
        #expect(XMLParser(data: Data(svg.body)).parse(), "well-formed")
        #expect(svg.text.contains("role=\"img\"") && svg.text.contains("<title") && svg.text.contains("<desc"))
        #expect(svg.text.contains("A&lt;&amp;&gt;") && !svg.text.contains("A<&>"), "the town is escaped")
        let byAccept = try httpRequest(port: port, "GET", "/imports/\(id)/towns/stat/demand?as_of=2024-01-01", headers: [("Accept", "image/svg+xml")])
        #expect(byAccept.body == svg.body)
        let json = try httpRequest(port: port, "GET", "/imports/\(id)/towns/stat/demand?as_of=2024-01-01")
        #expect(json.header("Content-Type")?.hasPrefix("application/json") == true && json.header("Vary") == "Accept, Accept-Encoding")
    }

    @Test func theReportHasBothChartsTheTableAndTheTownsWithoutAirports() throws {
        let id: Int = try httpRequest(port: port, "POST", "/imports", json: Self.body).dataField("import_id")
        let page = try httpRequest(port: port, "GET", "/imports/\(id)/report")
        #expect(page.status == 200 && page.header("Content-Type") == "text/html; charset=utf-8", "\(page.summary)")
        #expect(page.header("Content-Security-Policy")?.contains("default-src 'none'") == true)
        let html = page.text
        #expect(html.components(separatedBy: "<svg").count - 1 == 2, "two inline charts")
        #expect(html.components(separatedBy: "role=\"img\"").count - 1 == 2)
        #expect(html.contains("<h1>Import \(id)</h1>") && html.contains("2 citizens in 2 towns"))
        #expect(html.contains("A&lt;&amp;&gt;&quot;&#39;") && !html.contains("A<&>"), "town names are escaped")
        #expect(html.contains("Towns without an airport") && html.contains("Keflavík-"))
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("href=") && !html.contains("url("), "nothing external")
        #expect(html.contains("name=\"viewport\""))
        #expect(try httpRequest(port: port, "GET", "/imports/999999999/report").status == 404)
        #expect(try httpRequest(port: port, "GET", "/imports/\(id)/report", key: nil).status == 401)
    }

    /// What a person reads: dates in words, at most 10 airports a town, charts narrow enough
    /// for a phone, fonts for any script.
    @Test func thePageIsReadableOnAPhoneAndStaysSmall() throws {
        let town = "Airportville-\(UInt32.random(in: 0...UInt32.max))"
        for i in 0..<13 {
            let created = try httpRequest(port: port, "POST", "/airports", json: #"{"name": "Field \#(i)", "city": "\#(town)", "country": "Report", "latitude": 1, "longitude": 2}"#)
            #expect(created.status == 201, "\(created.summary)")
        }
        let body = #"{"citizens": [{"citizen_id": 1, "town": "\#(town)", "street": "a", "building": "1", "apartment": 1, "name": "A", "birth_date": "01.02.1990", "gender": "male", "relatives": []}, {"citizen_id": 2, "town": "東京", "street": "a", "building": "1", "apartment": 1, "name": "B", "birth_date": "01.03.1971", "gender": "female", "relatives": []}]}"#
        let id: Int = try httpRequest(port: port, "POST", "/imports", json: body).dataField("import_id")
        let page = try httpRequest(port: port, "GET", "/imports/\(id)/report")
        #expect(page.status == 200, "\(page.summary)")
        let html = page.text
        let months = "(January|February|March|April|May|June|July|August|September|October|November|December)"
        #expect(html.range(of: #"imported [1-9][0-9]? \#(months) 20[0-9]{2}, [0-2][0-9]:[0-5][0-9] UTC; ages as of [1-9][0-9]? \#(months) 20[0-9]{2}\."#,
                           options: .regularExpression) != nil, "dates in words: \(html.prefix(800))")
        #expect(html.range(of: #"T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]+Z"#, options: .regularExpression) == nil, "no ISO timestamp")
        #expect(html.components(separatedBy: "Field ").count - 1 == 10 && html.contains("and 3 more"), "10 airports and a count")
        #expect(html.components(separatedBy: "viewBox=\"0 0 360 ").count - 1 == 2, "both charts drawn for a phone's width")
        #expect(html.contains("'Noto Sans CJK SC'") && html.contains("東京"))
    }
}
