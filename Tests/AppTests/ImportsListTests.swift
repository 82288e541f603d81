import Foundation
import Postgres
import Testing
import TestSupport

/// `GET /imports`: newest first, keyset pages by `after`, with each import's number of citizens.
@Suite struct ImportsListTests {
    let port = TestEnvironment.port

    func citizen(_ id: Int) -> String {
        #"{"citizen_id": \#(id), "town": "T", "street": "S", "building": "1", "apartment": 1, "name": "N", "birth_date": "01.01.2000", "gender": "female", "relatives": []}"#
    }

    /// A new import of `count` citizens; its id.
    func newImport(citizens count: Int) throws -> Int {
        let body = #"{"citizens": [\#((0..<count).map { citizen($0 + 1) }.joined(separator: ","))]}"#
        let r = try httpRequest(port: port, "POST", "/imports", json: body)
        return try #require(((r.json as? [String: Any])?["data"] as? [String: Any])?["import_id"] as? Int, "\(r.status) \(r.text)")
    }

    struct Page {
        var imports: [(id: Int, createdAt: String, citizens: Int)]
        var next: String?
    }

    func page(_ target: String) throws -> Page {
        let r = try httpRequest(port: port, "GET", target)
        #expect(r.status == 200, "\(target): \(r.status) \(r.text)")
        #expect(r.header("Content-Type") == "application/json; charset=utf-8")
        let object = r.json as? [String: Any] ?? [:]
        let data = object["data"] as? [[String: Any]] ?? []
        let imports = data.compactMap { item -> (Int, String, Int)? in
            guard let id = item["import_id"] as? Int, let createdAt = item["created_at"] as? String,
                  let citizens = item["citizens"] as? Int, item.count == 3 else {
                Issue.record("unexpected item \(item) in \(r.text)")
                return nil
            }
            return (id, createdAt, citizens)
        }
        #expect(object["next"] != nil, "no next member: \(r.text)")
        return Page(imports: imports, next: object["next"] as? String)
    }

    @Test func pagesWalkNewestFirstWithTheCountOfCitizens() throws {
        let oldest = try newImport(citizens: 2)
        let middle = try newImport(citizens: 0)
        let newest = try newImport(citizens: 3)
        #expect(oldest < middle && middle < newest)

        // Other tests import at the same time: walk until the pages pass below `oldest`.
        var seen: [(id: Int, createdAt: String, citizens: Int)] = []
        var target: String? = "/imports?after=\(newest + 1)&limit=2"
        var pages = 0
        while let current = target, pages < 100 {
            let page = try page(current)
            pages += 1
            #expect(page.imports.count <= 2)
            seen += page.imports
            if let last = page.imports.last, page.next != nil {
                #expect(page.next == "/imports?after=\(last.id)&limit=2")
            }
            if seen.contains(where: { $0.id < oldest }) { break }
            target = page.next
        }
        let ids = seen.map(\.id)
        #expect(ids == ids.sorted(by: >) && Set(ids).count == ids.count, "not strictly newest first: \(ids)")
        let counts = Dictionary(seen.map { ($0.id, $0.citizens) }, uniquingKeysWith: { a, _ in a })
        #expect(counts[newest] == 3)
        #expect(counts[middle] == 0)
        #expect(counts[oldest] == 2)
        #expect(ids.first == newest)
        for item in seen {
            #expect(item.createdAt.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$"#, options: .regularExpression) != nil,
                    "\(item.createdAt)")
        }
    }

    @Test func withoutAfterThePageStartsAtTheNewest() throws {
        let mine = try newImport(citizens: 1)
        let first = try page("/imports")
        #expect(first.imports.count <= 100)
        #expect((first.imports.first?.id ?? 0) >= mine)
        let ids = first.imports.map(\.id)
        #expect(ids == ids.sorted(by: >))
        let one = try page("/imports?limit=1")
        #expect(one.imports.count == 1)
        if let last = one.imports.last { #expect(one.next == "/imports?after=\(last.id)&limit=1") }
    }

    @Test func anAfterBelowEveryImportGivesAnEmptyLastPage() throws {
        for target in ["/imports?after=0", "/imports?after=1&limit=5"] {
            let last = try page(target)
            #expect(last.imports.isEmpty, "\(target)")
            #expect(last.next == nil)
        }
    }

    @Test func aPatchOrARefusedImportLeavesTheCountsAlone() throws {
        let id = try newImport(citizens: 2)
        let patched = try httpRequest(port: port, "PATCH", "/imports/\(id)/citizens/1", json: #"{"relatives": [2]}"#)
        #expect(patched.status == 200, "\(patched.text)")
        let refused = try httpRequest(port: port, "POST", "/imports", json: #"{"citizens": [\#(citizen(1)), {"citizen_id": 2}]}"#)
        #expect(refused.status == 400)
        let listed = try page("/imports?after=\(id + 1)&limit=1")
        #expect(listed.imports.first?.id == id)
        #expect(listed.imports.first?.citizens == 2)
    }

    @Test func badParametersAre400NamingTheParameter() throws {
        let cases = [
            ("limit=0", "limit"), ("limit=1001", "limit"), ("limit=ten", "limit"), ("limit=", "limit"),
            ("after=-1", "after"), ("after=x", "after"), ("after=99999999999999999999", "after"),
            ("page=2", "page"), ("limit=5&limit=6", "limit"),
        ]
        for (query, parameter) in cases {
            let r = try httpRequest(port: port, "GET", "/imports?\(query)")
            #expect(r.status == 400, "\(query): \(r.status) \(r.text)")
            #expect(r.header("Content-Type") == "application/problem+json; charset=utf-8")
            let errors = (r.json as? [String: Any])?["errors"] as? [[String: Any]] ?? []
            #expect(errors.first?["parameter"] as? String == parameter, "\(query): \(r.text)")
        }
    }

    /// Migration 0005 fills the count of imports written before it.
    @Test func theMigrationCountsTheCitizensOfExistingImports() throws {
        let url = try TestEnvironment.createDatabase()
        let runner = MigrationRunner(directory: TestEnvironment.packageRoot + "/migrations", url: url)
        try runner.up(to: 4)
        let connection = try PostgresConnection(url: url)
        let full = try #require(try connection.query("INSERT INTO imports DEFAULT VALUES RETURNING import_id").int(0, 0))
        let empty = try #require(try connection.query("INSERT INTO imports DEFAULT VALUES RETURNING import_id").int(0, 0))
        try connection.query("""
            INSERT INTO citizens (import_id, citizen_id, town, street, building, apartment, name, birth_date, gender)
            SELECT $1, n, 'T', 'S', 'B', 1, 'N', '2000-01-01', 'male' FROM generate_series(1, 3) AS n
            """, [full])
        try runner.up(to: 5)
        let counts = try connection.query("SELECT import_id, citizen_count FROM imports ORDER BY import_id")
        #expect(counts.int(0, 0) == full && counts.int(0, 1) == 3)
        #expect(counts.int(1, 0) == empty && counts.int(1, 1) == 0)
    }

    /// Every problem answer lists at most 100 errors and counts the rest, whatever route it is.
    @Test func aParameterGiven150TimesListsAHundredProblemsAndCountsTheRest() throws {
        let query = (0..<150).map { _ in "after=1" }.joined(separator: "&")
        let r = try httpRequest(port: TestEnvironment.port, "GET", "/imports?\(query)")
        #expect(r.status == 400 && r.errors?.count == 100, "\(r.summary)")
        #expect(r.object?.int("errors_omitted") == 49, "\(r.summary)")
        #expect(r.object?.string("detail")?.contains("149 problems were found") == true, "\(r.summary)")
    }

    @Test func oneImportIsTheObjectTheListShows() throws {
        let id = try newImport(citizens: 3)
        let one = try httpRequest(port: port, "GET", "/imports/\(id)")
        #expect(one.status == 200, "\(one.summary)")
        let data = one.object?.object("data")
        #expect(data?.int("import_id") == id && data?.int("citizens") == 3, "\(one.summary)")
        let listed = try page("/imports?after=\(id + 1)&limit=1").imports.first
        #expect(listed?.id == id && data?.string("created_at") == listed?.createdAt, "\(one.summary)")

        let missing = try httpRequest(port: port, "GET", "/imports/999999999")
        #expect(missing.status == 404 && missing.object?.string("detail") == "Import 999999999 does not exist.", "\(missing.summary)")
        let withQuery = try httpRequest(port: port, "GET", "/imports/\(id)?limit=1")
        #expect(withQuery.status == 400, "\(withQuery.summary)")
    }
}
