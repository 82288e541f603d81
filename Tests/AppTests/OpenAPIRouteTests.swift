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
