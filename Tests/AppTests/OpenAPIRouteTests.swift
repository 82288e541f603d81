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
        let served = Set(TestEnvironment.application.routes.map { route in
            let path = route.template.replacingOccurrences(of: ":int}", with: "}")
            return "\(route.method) \(path)"
        })
        #expect(served.subtracting(documented).sorted() == [], "served but not documented")
        #expect(documented.subtracting(served).sorted() == [], "documented but not served")
    }

    /// /docs (Swagger UI shows tags in the order the document lists them) starts with the data
    /// and ends with the plumbing; every operation's tag is listed.
    @Test func theDataComesFirstAndThePlumbingLast() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestEnvironment.packageRoot + "/openapi.json"))
        let spec = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let listed = ((spec["tags"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String }
        #expect(listed.first == "citizens" && listed.last == "operations", "\(listed)")
        let paths = try #require(spec["paths"] as? [String: [String: Any]])
        var used = Set<String>()
        for item in paths.values {
            for operation in item.values.compactMap({ $0 as? [String: Any] }) { used.formUnion(operation["tags"] as? [String] ?? []) }
        }
        #expect(used.subtracting(listed).sorted() == [], "tags not listed")
        for plumbing in ["/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/docs/{asset}"] {
            #expect((paths[plumbing]?["get"] as? [String: Any])?["tags"] as? [String] == ["operations"], "\(plumbing)")
        }
    }

    /// The document is read by people who have only it: it names roles in words, not a file.
    @Test func theSpecNamesNoFileItsReadersLack() throws {
        let text = try String(contentsOfFile: TestEnvironment.packageRoot + "/openapi.json", encoding: .utf8)
        #expect(!text.contains("access.md"))
        #expect(!text.contains(".md)"))
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

/// openapi.json as client generators read it.
@Suite struct SpecForGeneratorsTests {
    let port = TestEnvironment.port

    static func spec() throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestEnvironment.packageRoot + "/openapi.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func schema(_ name: String) throws -> [String: Any] {
        let schemas = try #require((try spec()["components"] as? [String: Any])?["schemas"] as? [String: Any])
        return try #require(schemas[name] as? [String: Any], "no schema \(name)")
    }

    static func required(_ schema: [String: Any]) -> Set<String> { Set(schema["required"] as? [String] ?? []) }
    static func properties(_ schema: [String: Any]) -> Set<String> { Set((schema["properties"] as? [String: Any])?.keys ?? [:].keys) }

    /// Every `properties` object anywhere in the document.
    static func propertyNames(in value: Any, at path: String, into found: inout [(String, [String])]) {
        if let object = value as? [String: Any] {
            if let properties = object["properties"] as? [String: Any] { found.append((path, Array(properties.keys))) }
            for (key, inner) in object { propertyNames(in: inner, at: path + "/" + key, into: &found) }
        } else if let array = value as? [Any] {
            for (i, inner) in array.enumerated() { propertyNames(in: inner, at: path + "/\(i)", into: &found) }
        }
    }

    /// Generators name fields and enums after properties; `dst` and `DST` made two that collide.
    @Test func noObjectHasTwoPropertiesThatDifferOnlyInCase() throws {
        var found: [(String, [String])] = []
        Self.propertyNames(in: try Self.spec(), at: "#", into: &found)
        #expect(found.count > 10)
        for (path, names) in found {
            let lowered = Dictionary(grouping: names, by: { $0.lowercased() }).filter { $0.value.count > 1 }
            #expect(lowered.isEmpty, "\(path): \(lowered.values.map { $0.sorted() })")
        }
    }

    /// "Try it out" in /docs must call the server that served the page, on whatever host and port.
    @Test func theServerURLIsRelative() throws {
        let servers = try #require(try Self.spec()["servers"] as? [[String: Any]])
        #expect(!servers.isEmpty)
        for server in servers {
            #expect((server["url"] as? String)?.hasPrefix("/") == true, "\(server)")
        }
    }

    /// What the spec calls required is what the server always sends, so generated models need no
    /// "maybe absent" for these fields.
    @Test func theFieldsTheServerSendsAreTheRequiredOnes() throws {
        let created = try httpRequest(port: port, "POST", "/airports",
                                      json: #"{"name": "Spec Field", "city": "Spec", "country": "Spec", "latitude": 1, "longitude": 2}"#)
        #expect(created.status == 201, "\(created.text)")
        let airport = try #require((created.json as? [String: Any])?["data"] as? [String: Any], "\(created.text)")
        let airportSchema = try Self.schema("Airport")
        #expect(Set(airport.keys) == Self.required(airportSchema), "\(created.text)")
        // Every field but distance_km, which only answers to ?near= (and is then always there).
        #expect(Self.properties(airportSchema).subtracting(["distance_km"]) == Self.required(airportSchema))
        let near = try httpRequest(port: port, "GET", "/airports?near=1,2&within_km=1&limit=1")
        let nearest = try #require(near.dataArray?.first, "\(near.summary)")
        #expect(Set(nearest.keys) == Self.properties(airportSchema), "\(near.summary)")
        let id = try #require(airport["id"] as? Int)

        let page = try httpRequest(port: port, "GET", "/airports?limit=1&after=\(id - 1)")
        let pageBody = try #require(page.json as? [String: Any], "\(page.text)")
        #expect(Set(pageBody.keys) == Self.required(try Self.schema("AirportPage")), "\(page.text)")

        let staged = try httpRequest(port: port, "GET", "/airports/\(id)/update?city=Other")
        #expect(staged.status == 202, "\(staged.text)")
        let stagedData = try #require((staged.json as? [String: Any])?["data"] as? [String: Any], "\(staged.text)")
        let stagedSchema = try #require((try Self.schema("Staged")["properties"] as? [String: Any])?["data"] as? [String: Any])
        #expect(Set(stagedData.keys) == Self.required(stagedSchema), "\(staged.text)")

        let problem = try httpRequest(port: port, "GET", "/airports/\(id)/update?wings=2")
        #expect(problem.status == 400, "\(problem.text)")
        let problemBody = try #require(problem.json as? [String: Any], "\(problem.text)")
        #expect(Self.required(try Self.schema("Problem")).isSubset(of: Set(problemBody.keys)), "\(problem.text)")
        #expect(Set(problemBody.keys).isSubset(of: Self.properties(try Self.schema("Problem"))), "\(problem.text)")
    }
}
