import Foundation
import Testing
import TestSupport

/// Towns matched to airports: case, accents and punctuation ignored, "St." read as "Saint",
/// aliases, country narrowing, unmatched towns. Every name carries a random tag, so parallel
/// tests and the real airports file never match these towns.
@Suite struct DemandAirportsTests {
    let port = TestEnvironment.port

    static func tag(_ letters: String, _ count: Int = 10) -> String {
        String((0..<count).map { _ in letters.randomElement()! })
    }

    func putAirport(_ id: Int, city: String, country: String, name: String) throws {
        let body: [String: Any] = ["name": name, "city": city, "country": country, "iata": NSNull(), "icao": NSNull(),
                                   "latitude": 10.5, "longitude": 20.25]
        let r = try httpRequest(port: port, "PUT", "/airports/\(id)", headers: [("Content-Type", "application/json")],
                                body: Array(try JSONSerialization.data(withJSONObject: body)))
        #expect(r.status == 201, "\(r.summary)")
    }

    func citizen(_ id: Int, _ town: String) -> [String: Any] {
        ["citizen_id": id, "town": town, "street": "s", "building": "1", "apartment": 1, "name": "n",
         "birth_date": "01.01.1990", "gender": "male", "relatives": []]
    }

    func demand(_ importId: Int, _ query: String = "") throws -> [String: Any] {
        let r = try httpRequest(port: port, "GET", "/imports/\(importId)/towns/stat/demand" + (query.isEmpty ? "" : "?" + query))
        #expect(r.status == 200, "\(r.summary)")
        return try r.requireDataObject()
    }

    /// town -> airport ids, and the unmatched towns.
    func airports(_ data: [String: Any]) -> (byTown: [String: [Int]], unmatched: [String]) {
        var byTown: [String: [Int]] = [:]
        for town in data.objects("towns") ?? [] {
            byTown[town.string("town") ?? ""] = (town.objects("airports") ?? []).map { $0.int("id") ?? -1 }
        }
        return (byTown, (data["unmatched_towns"] as? [String]) ?? ["not a list of strings"])
    }

    @Test func townsMatchCitiesIgnoringCaseAccentsAndPunctuationAndAliasesWin() throws {
        let tag = Self.tag("bcdfghjkmnpqrvwxz")
        let cyrillic = Self.tag("бвгджзклмнпрстфхцчшщ")
        let base = 7_000_000_000_000 + Int.random(in: 0..<1_000_000_000) * 100
        // The highest id first: each PUT moves the server-picked ids past it, so a POST running
        // meanwhile takes base + 9 on, never an id this test is about to create.
        try putAirport(base + 8, city: "Paris \(tag)", country: "France", name: "Orly \(tag)")
        try putAirport(base + 1, city: "São Paulo-\(tag)", country: "Brazil", name: "Guarulhos \(tag)")
        try putAirport(base + 2, city: "SAO PAULO \(tag.uppercased())", country: "Portugal", name: "Other São Paulo")
        try putAirport(base + 3, city: "St. Petersburg \(tag)", country: "Russia", name: "Pulkovo \(tag)")
        try putAirport(base + 4, city: "Saint-Petersburg \(tag)", country: "United States", name: "Albert Whitted \(tag)")
        try putAirport(base + 5, city: "Sao Paulo \(tag)", country: "Brazil", name: "Deleted")
        #expect(try httpRequest(port: port, "DELETE", "/airports/\(base + 5)").status == 204)
        try putAirport(base + 6, city: "Moscow \(tag)", country: "Russia", name: "Sheremetyevo \(tag)")
        try putAirport(base + 7, city: "Moscow \(tag)", country: "Canada", name: "Moscow, Ontario")

        let saoPaulo = "SÃO PAULO \(tag)", petersburg = "saint petersburg \(tag.uppercased())"
        let moscow = "Москва \(cyrillic)", paris = "Paris \(tag)", nowhere = "Nowhere \(tag)"
        let id = try postImportOf([saoPaulo, saoPaulo, petersburg, moscow, paris, nowhere])

        var found = airports(try demand(id))
        #expect(found.byTown[saoPaulo] == [base + 1, base + 2])
        #expect(found.byTown[petersburg] == [base + 3, base + 4])
        #expect(found.byTown[paris] == [base + 8])
        #expect(found.unmatched == [nowhere, moscow].sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })

        // An alias maps a town in another script; its country narrows the airports. Another
        // alias wins over the town's own name.
        let alias = try httpRequest(port: port, "PUT", "/town-aliases/\(percentEncoded(moscow))",
                                    json: #"{"city": "moscow \#(tag)", "country": "RUSSIA"}"#)
        #expect(alias.status == 201, "\(alias.summary)")
        #expect(try httpRequest(port: port, "PUT", "/town-aliases/\(percentEncoded(paris))",
                                json: #"{"city": "Moscow \#(tag)"}"#).status == 201)
        found = airports(try demand(id))
        #expect(found.byTown[moscow] == [base + 6])
        #expect(found.byTown[paris] == [base + 6, base + 7])
        #expect(found.unmatched == [nowhere])

        // ?country= narrows every town's airports (case-insensitive); towns left without are unmatched.
        let brazil = try demand(id, "country=brazil")
        found = airports(brazil)
        #expect(found.byTown[saoPaulo] == [base + 1])
        #expect(found.byTown[petersburg] == [])
        #expect(found.byTown[moscow] == [])
        let saoPauloTown = (brazil.objects("towns") ?? []).first { $0.string("town") == saoPaulo }
        let airport = saoPauloTown?.objects("airports")?.first
        #expect(airport?.string("name") == "Guarulhos \(tag)")
        #expect(airport?.string("city") == "São Paulo-\(tag)")
        #expect(airport?.string("country") == "Brazil")
        #expect(airport?.isNull("iata") == true)
        #expect(saoPauloTown?.int("residents") == 2)
        found = airports(try demand(id, "country=Russia"))
        #expect(found.byTown[petersburg] == [base + 3])
        #expect(found.byTown[moscow] == [base + 6])
        #expect(found.byTown[paris] == [base + 6])
        #expect(found.unmatched == [nowhere, saoPaulo].sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })

        // Without its alias a town falls back to its name.
        #expect(try httpRequest(port: port, "DELETE", "/town-aliases/\(percentEncoded(paris))").status == 204)
        #expect(try httpRequest(port: port, "DELETE", "/town-aliases/\(percentEncoded(moscow))").status == 204)
        found = airports(try demand(id))
        #expect(found.byTown[paris] == [base + 8])
        #expect(found.byTown[moscow] == [])
    }

    @Test func aliasesAreListedReplacedAndDeletedAndReadersMayOnlyRead() throws {
        let town = "Новгород \(Self.tag("бвгджзклмнпрстфхцчшщ"))"
        let path = "/town-aliases/\(percentEncoded(town))"
        let created = try httpRequest(port: port, "PUT", path, json: #"{"city": "Veliky Novgorod", "country": "Russia"}"#)
        #expect(created.status == 201, "\(created.summary)")
        #expect(created.header("Location") == path)
        #expect(created.dataObject?.string("town") == town)
        #expect(created.dataObject?.string("city") == "Veliky Novgorod")

        let list = try httpRequest(port: port, "GET", "/town-aliases").requireDataArray()
        #expect(list.contains { $0.string("town") == town && $0.string("country") == "Russia" })
        let towns = list.map { $0.string("town") ?? "" }
        #expect(towns == towns.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })

        // The same town in capitals is the same alias: replaced, 200, the new spelling kept.
        let upper = town.uppercased()
        let replaced = try httpRequest(port: port, "PUT", "/town-aliases/\(percentEncoded(upper))", json: #"{"city": "Novgorod"}"#)
        #expect(replaced.status == 200, "\(replaced.summary)")
        #expect(replaced.header("Location") == nil)
        let one = try httpRequest(port: port, "GET", path)
        #expect(one.status == 200)
        #expect(one.dataObject?.string("town") == upper)
        #expect(one.dataObject?.string("city") == "Novgorod")
        #expect(one.dataObject?.isNull("country") == true)

        let reader = try AccessControlTests.makeKey("reader")
        #expect(try httpRequest(port: port, "GET", "/town-aliases", key: reader.text).status == 200)
        #expect(try httpRequest(port: port, "GET", path, key: reader.text).status == 200)
        #expect(try httpRequest(port: port, "PUT", path, json: #"{"city": "X"}"#, key: reader.text).status == 403)
        #expect(try httpRequest(port: port, "DELETE", path, key: reader.text).status == 403)
        #expect(try httpRequest(port: port, "GET", "/town-aliases", key: nil).status == 401)
        let editor = try AccessControlTests.makeKey("editor")
        #expect(try httpRequest(port: port, "DELETE", path, key: editor.text).status == 204)
        #expect(try httpRequest(port: port, "DELETE", path).status == 404)
        #expect(try httpRequest(port: port, "GET", path).status == 404)
        #expect(try httpRequest(port: port, "DELETE", "/town-aliases/...").status == 404)
        #expect(try httpRequest(port: port, "GET", "/town-aliases/x%00y").status == 404)
    }

    @Test func badAliasesAreRefusedWithTheFieldNamed() throws {
        let path = "/town-aliases/\(percentEncoded("Badtown \(Self.tag("bcdfghjkmnpqrvwxz"))"))"
        for (body, pointer) in [(#"{"country": "X"}"#, "/city"), (#"{"city": ""}"#, "/city"), (#"{"city": 3}"#, "/city"),
                                (#"{"city": "Rome", "country": ""}"#, "/country"), (#"{"city": "Rome", "pop": 1}"#, "/pop")] {
            let r = try httpRequest(port: port, "PUT", path, json: body)
            #expect(r.status == 400, "\(body): \(r.summary)")
            #expect(r.errors?.contains { $0.string("pointer") == pointer } == true, "\(body): \(r.summary)")
        }
        #expect(try httpRequest(port: port, "PUT", path, json: "[1]").status == 400)
        #expect(try httpRequest(port: port, "PUT", path, json: "{").status == 400)
        for town in ["...", "²"] {
            let r = try httpRequest(port: port, "PUT", "/town-aliases/\(percentEncoded(town))", json: #"{"city": "Rome"}"#)
            #expect(r.status == 400, "\(town): \(r.summary)")
            #expect(r.errors?.first?.string("parameter") == "town", "\(r.summary)")
        }
        #expect(try httpRequest(port: port, "PUT", path, headers: [("Content-Type", "text/plain")], body: Array("x".utf8)).status == 415)
    }

    func postImportOf(_ towns: [String]) throws -> Int {
        let citizens = towns.enumerated().map { citizen($0.offset + 1, $0.element) }
        let r = try httpRequest(port: port, "POST", "/imports", headers: [("Content-Type", "application/json")],
                                body: CitizenGenerator.body(citizens))
        #expect(r.status == 201, "\(r.summary)")
        return try r.require(r.dataObject?.int("import_id"), "import_id")
    }

    func percentEncoded(_ text: String) -> String {
        let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}
