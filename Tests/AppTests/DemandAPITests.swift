import Foundation
import Testing
import TestSupport

/// `GET /imports/{id}/towns/stat/demand` over HTTP, against a computation of its own.
@Suite struct DemandAPITests {
    let port = TestEnvironment.port

    func postImport(_ citizens: [[String: Any]]) throws -> Int {
        let r = try httpRequest(port: port, "POST", "/imports", headers: [("Content-Type", "application/json")],
                                body: CitizenGenerator.body(citizens))
        #expect(r.status == 201, "\(r.summary)")
        return try r.require(r.dataObject?.int("import_id"), "import_id")
    }

    func demand(_ importId: Int, _ query: String = "") throws -> [String: Any] {
        let r = try httpRequest(port: port, "GET", "/imports/\(importId)/towns/stat/demand" + (query.isEmpty ? "" : "?" + query))
        #expect(r.status == 200, "\(r.summary)")
        return try r.requireDataObject()
    }

    /// Full years on `asOf` of someone born on `birth` (both [year, month, day]), counted the usual
    /// way: a birthday on 29 February falls on 1 March in common years.
    static func age(_ birth: [Int], on asOf: [Int]) -> Int {
        asOf[0] - birth[0] - ((asOf[1], asOf[2]) < (birth[1], birth[2]) ? 1 : 0)
    }

    /// The expected `towns` of a report: per town (in code point order) the residents and the
    /// (residents, with_relatives) of each group.
    static func expected(_ citizens: [[String: Any]], bounds: [Int], asOf: [Int])
        -> [(town: String, residents: Int, groups: [(Int, Int)])] {
        var byTown: [String: [(Int, Int)]] = [:]
        for citizen in citizens {
            let town = citizen["town"] as? String ?? ""
            var groups = byTown[town] ?? Array(repeating: (0, 0), count: bounds.count + 1)
            let parts = (citizen["birth_date"] as? String ?? "").split(separator: ".").compactMap { Int($0) }
            let birth = [parts[2], parts[1], parts[0]]
            if (birth[0], birth[1], birth[2]) <= (asOf[0], asOf[1], asOf[2]) {
                let age = age(birth, on: asOf)
                let group = bounds.filter { $0 <= age }.count
                let id = citizen["citizen_id"] as? Int ?? -1
                let related = (citizen["relatives"] as? [Int] ?? []).contains { $0 != id }
                groups[group].0 += 1
                groups[group].1 += related ? 1 : 0
            }
            byTown[town] = groups
        }
        return byTown.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.map { town, groups in
            (town, groups.reduce(0) { $0 + $1.0 }, groups)
        }
    }

    func check(_ data: [String: Any], against citizens: [[String: Any]], bounds: [Int], asOf: [Int],
               sourceLocation: SourceLocation = #_sourceLocation) {
        let groups = data.objects("age_groups") ?? []
        let froms = [0] + bounds
        #expect(groups.map { $0.int("from") ?? -1 } == froms, sourceLocation: sourceLocation)
        #expect(groups.map { $0.int("to") } == bounds.map { Optional($0) } + [nil], sourceLocation: sourceLocation)
        #expect(groups.last?.isNull("to") == true, sourceLocation: sourceLocation)
        let towns = data.objects("towns") ?? []
        let expected = Self.expected(citizens, bounds: bounds, asOf: asOf)
        #expect(towns.map { $0.string("town") ?? "" } == expected.map(\.town), sourceLocation: sourceLocation)
        for (served, wanted) in zip(towns, expected) {
            #expect(served.int("residents") == wanted.residents, "\(wanted.town)", sourceLocation: sourceLocation)
            let servedGroups = served.objects("groups") ?? []
            #expect(servedGroups.map { $0.int("from") ?? -1 } == froms, sourceLocation: sourceLocation)
            #expect(servedGroups.map { $0.int("residents") ?? -1 } == wanted.groups.map(\.0), "\(wanted.town)", sourceLocation: sourceLocation)
            #expect(servedGroups.map { $0.int("with_relatives") ?? -1 } == wanted.groups.map(\.1), "\(wanted.town)",
                    sourceLocation: sourceLocation)
        }
    }

    @Test func countsAgreeWithAnIndependentComputation() throws {
        var generator = CitizenGenerator(seed: 2024)
        var citizens = generator.citizens(count: 400, links: 150)
        // Some 29 February births, a self-relative only (not a relative), a self-relative and another.
        citizens[0]["birth_date"] = "29.02.2000"
        citizens[1]["birth_date"] = "29.02.1996"
        citizens[2]["relatives"] = ((citizens[2]["relatives"] as? [Int] ?? []) + [3]).sorted()
        citizens[2]["birth_date"] = "01.03.2005"
        if let loner = citizens.firstIndex(where: { ($0["relatives"] as? [Int])?.isEmpty == true }) {
            citizens[loner]["relatives"] = [loner + 1]
        }
        let id = try postImport(citizens)
        let stored = try httpRequest(port: port, "GET", "/imports/\(id)/citizens")
        let storedCitizens = try stored.requireDataArray()
        #expect(storedCitizens.count == citizens.count)

        for (query, bounds, asOf) in [
            ("as_of=2024-03-01", [18, 25, 35, 45, 55, 65], [2024, 3, 1]),
            ("as_of=2023-02-28&age_groups=23,27", [23, 27], [2023, 2, 28]),
            ("as_of=2023-03-01&age_groups=23,27", [23, 27], [2023, 3, 1]),
            // Nobody is under 3 on this day: the first two groups are present, with zeros.
            ("age_groups=1,2,3,30,60&as_of=2024-12-31", [1, 2, 3, 30, 60], [2024, 12, 31]),
            // Citizens born after as_of are not counted; their towns stay listed.
            ("as_of=1960-06-15&age_groups=10", [10], [1960, 6, 15]),
        ] {
            check(try demand(id, query), against: storedCitizens, bounds: bounds, asOf: asOf)
        }
        let data = try demand(id, "age_groups=1,2,3,30,60&as_of=2024-12-31")
        for town in data.objects("towns") ?? [] {
            #expect((town.objects("groups") ?? []).prefix(2).allSatisfy { $0.int("residents") == 0 && $0.int("with_relatives") == 0 })
        }
        #expect(data.string("as_of") == "2024-12-31")

        // Towns in the percentile endpoint's order; today by default.
        let percentiles = try httpRequest(port: port, "GET", "/imports/\(id)/towns/stat/percentile/age").requireDataArray()
        let today = try demand(id)
        #expect((today.objects("towns") ?? []).map { $0.string("town") ?? "" } == percentiles.map { $0.string("town") ?? "" })
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        #expect(today.string("as_of") == formatter.string(from: Date()))
    }

    @Test func twentyNinthOfFebruaryBirthdaysCountFromTheFirstOfMarchInCommonYears() throws {
        let birthDates = ["29.02.2000", "28.02.2000", "01.03.2000"]
        let citizens: [[String: Any]] = birthDates.enumerated().map { index, date in
            ["citizen_id": index + 1, "town": "Leapton", "street": "s", "building": "1", "apartment": 1,
             "name": "n", "birth_date": date, "gender": "female", "relatives": index == 0 ? [2] : index == 1 ? [1] : []]
        }
        let id = try postImport(citizens)
        func groups(_ asOf: String) throws -> [[Int]] {
            let towns = try demand(id, "age_groups=23,24&as_of=\(asOf)").objects("towns") ?? []
            return (towns.first?.objects("groups") ?? []).map { [$0.int("residents") ?? -1, $0.int("with_relatives") ?? -1] }
        }
        // Ages on 2023-02-28: 22, 23, 22; on 2023-03-01: 23, 23, 23.
        #expect(try groups("2023-02-28") == [[2, 1], [1, 1], [0, 0]])
        #expect(try groups("2023-03-01") == [[0, 0], [3, 2], [0, 0]])
        // Leap year: on 2024-02-28 ages 23, 24, 23; on 2024-02-29 24, 24, 23.
        #expect(try groups("2024-02-28") == [[0, 0], [2, 1], [1, 1]])
        #expect(try groups("2024-02-29") == [[0, 0], [1, 0], [2, 2]])
    }

    @Test func badParametersAreNamedAndUnknownImportsAre404() throws {
        let id = try postImport([["citizen_id": 1, "town": "Paramville", "street": "s", "building": "1", "apartment": 1,
                                  "name": "n", "birth_date": "01.01.1990", "gender": "male", "relatives": []]])
        for (query, parameter) in [("age_groups=abc", "age_groups"), ("age_groups=30,20", "age_groups"),
                                   ("age_groups=", "age_groups"), ("age_groups=0,10", "age_groups"),
                                   ("age_groups=" + (1...21).map(String.init).joined(separator: ","), "age_groups"),
                                   ("as_of=2023-02-29", "as_of"), ("as_of=01.03.2024", "as_of"), ("as_of=", "as_of"),
                                   ("country=--", "country"), ("country=", "country"), ("town=x", "town"),
                                   ("as_of=2024-01-01&as_of=2024-01-02", "as_of")] {
            let r = try httpRequest(port: port, "GET", "/imports/\(id)/towns/stat/demand?\(query)")
            #expect(r.status == 400, "\(query): \(r.summary)")
            #expect(r.header("Content-Type")?.hasPrefix("application/problem+json") == true)
            #expect(r.errors?.contains { $0.string("parameter") == parameter } == true, "\(query): \(r.summary)")
        }
        let several = try httpRequest(port: port, "GET", "/imports/\(id)/towns/stat/demand?age_groups=x&as_of=y")
        #expect(Set((several.errors ?? []).compactMap { $0.string("parameter") }) == ["age_groups", "as_of"], "\(several.summary)")
        #expect(try httpRequest(port: port, "GET", "/imports/999999999/towns/stat/demand").status == 404)
        #expect(try httpRequest(port: port, "GET", "/imports/999999999/towns/stat/demand?as_of=x").status == 400)
        #expect(try httpRequest(port: port, "GET", "/imports/\(id)/towns/stat/demand", key: nil).status == 401)
    }
}
