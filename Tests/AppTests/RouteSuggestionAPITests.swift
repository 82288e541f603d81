import Routing
import Testing
import TestSupport

/// Near misses on the real route table get a 404 that names the path meant.
@Suite struct RouteSuggestionAPITests {
    let port = TestEnvironment.port

    @Test func nearMissesSuggestTheRouteMeant() throws {
        let cases = [
            ("GET", "/airport/1", "/airports/1"),
            ("GET", "/airports/1/", "/airports/1"),
            ("POST", "/import", "/imports"),
            ("GET", "/import", "/imports"),
            ("GET", "/imports/5/citizen", "/imports/5/citizens"),
            ("GET", "/imports/5/citizens/birthday", "/imports/5/citizens/birthdays"),
            ("GET", "/airport?limit=2", "/airports?limit=2"),
        ]
        for (method, path, suggested) in cases {
            let r = try httpRequest(port: port, method, path)
            let problem = r.json as? [String: Any] ?? [:]
            #expect(r.status == 404, "\(method) \(path): \(r.status)")
            #expect(r.header("Content-Type") == "application/problem+json; charset=utf-8")
            #expect(problem["detail"] as? String == "No route \(method) \(path). Did you mean \(suggested)?", "\(r.text)")
            #expect(problem["suggestion"] as? String == suggested, "\(r.text)")
        }
    }
}
