import Routing
import Testing
import TestSupport

/// A 404 for a near miss names the path that was probably meant.
@Suite struct RouteSuggestionTests {
    let port = TestServer.port

    func problem(_ r: RawResponse) -> [String: Any] { r.json as? [String: Any] ?? [:] }

    func expectSuggestion(_ method: String, _ path: String, _ suggested: String,
                          sourceLocation: SourceLocation = #_sourceLocation) throws {
        let r = try httpRequest(port: port, method, path)
        #expect(r.status == 404, "\(method) \(path): \(r.text)", sourceLocation: sourceLocation)
        #expect(problem(r)["detail"] as? String == "No route \(method) \(path). Did you mean \(suggested)?", "\(r.text)",
                sourceLocation: sourceLocation)
        #expect(problem(r)["suggestion"] as? String == suggested, "\(r.text)", sourceLocation: sourceLocation)
    }

    @Test func aTrailingSlashIsDropped() throws {
        try expectSuggestion("GET", "/items/3/", "/items/3")
        try expectSuggestion("GET", "/hello/", "/hello")
        try expectSuggestion("GET", "/items//3", "/items/3")
    }

    @Test func aSegmentATypoOrAPluralAwayIsCorrected() throws {
        try expectSuggestion("GET", "/item/3", "/items/3")
        try expectSuggestion("GET", "/helo", "/hello")
        try expectSuggestion("DELETE", "/itmes/7", "/items/7")
        try expectSuggestion("GET", "/item/specail", "/items/special")
        try expectSuggestion("POST", "/echos", "/echo")
        try expectSuggestion("GET", "/item/3/", "/items/3")
    }

    @Test func theQueryIsKeptAndEncodedSegmentsStayAsSent() throws {
        try expectSuggestion("GET", "/querys?a=1&b=%20", "/query?a=1&b=%20")
        try expectSuggestion("GET", "/item/%33", "/items/%33")
    }

    @Test func farMissesGetAPlain404() throws {
        for path in ["/no/such/path", "/items/abc", "/completely-different", "/items/3/4/5/6", "/"] {
            let r = try httpRequest(port: port, "GET", path)
            #expect(r.status == 404, "\(path)")
            #expect(problem(r)["suggestion"] == nil, "\(path): \(r.text)")
            #expect(problem(r)["detail"] as? String == "No route GET \(path).", "\(r.text)")
        }
    }
}
