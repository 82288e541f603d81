import Foundation
import Testing
import TestSupport

@Suite struct OpenAPIRouteTests {
    /// The route table and openapi.json name the same paths and methods.
    @Test func theRouteTableAndTheSpecAgree() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestEnvironment.packageRoot + "/openapi.json"))
        let spec = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let paths = try #require(spec["paths"] as? [String: [String: Any]])
        var documented = Set<String>()
        for (path, item) in paths {
            for method in item.keys where method != "parameters" {
                documented.insert("\(method.uppercased()) \(path)")
            }
        }
        let served = Set(TestEnvironment.application.server.router.routes.map { route in
            let path = route.template.replacingOccurrences(of: ":int}", with: "}")
            return "\(route.method) \(path)"
        })
        #expect(served.subtracting(documented).sorted() == [], "served but not documented")
        #expect(documented.subtracting(served).sorted() == [], "documented but not served")
    }
}

@Suite struct DocsTests {
    let port = TestEnvironment.port

    @Test func theSpecIsServedAsJSON() throws {
        let r = try httpRequest(port: port, "GET", "/openapi.json")
        #expect(r.status == 200)
        #expect(r.header("Content-Type") == "application/json; charset=utf-8")
        let spec = try #require(r.json as? [String: Any])
        #expect(spec["openapi"] as? String == "3.1.0")
    }

    @Test func theDocsPageAndItsAssetsHaveTheirContentTypes() throws {
        let page = try httpRequest(port: port, "GET", "/docs")
        #expect(page.status == 200)
        #expect(page.header("Content-Type") == "text/html; charset=utf-8")
        #expect(page.text.contains("/docs/swagger-ui-bundle.js"))
        #expect(try httpRequest(port: port, "GET", "/docs/nothing.js").status == 404)
        let script = try httpRequest(port: port, "GET", "/docs/swagger-ui-bundle.js")
        let style = try httpRequest(port: port, "GET", "/docs/swagger-ui.css")
        // The assets exist once the set-up script has installed them (scripts/test does).
        if script.status == 200 {
            #expect(script.header("Content-Type") == "application/javascript; charset=utf-8")
            #expect(style.header("Content-Type") == "text/css; charset=utf-8")
            #expect(script.body.count > 100_000)
        } else {
            #expect(FileManager.default.fileExists(atPath: TestEnvironment.packageRoot + "/.local/swagger-ui/swagger-ui-bundle.js") == false)
        }
    }
}
