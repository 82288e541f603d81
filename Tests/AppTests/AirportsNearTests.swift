import Foundation
import Testing
import TestSupport

/// An airport of the real file, read by the tests' own CSV reader.
struct FileAirport {
    let id: Int
    let country: String
    let latitude: Double
    let longitude: Double
}

/// `GET /airports?near=...` against an independent computation over Tests/Fixtures/airports.csv.
/// Other tests add airports of their own (ids above the file's 14110) while these run, so answers
/// are compared on the file's ids, or narrowed by a country only the file uses.
@Suite struct AirportsNearTests {
    let port = TestEnvironment.port
    static let maxFileId = 14110

    static let fileAirports: [FileAirport] = independentCSV(AirportsUploadTests.file).dropFirst().compactMap { row in
        guard row.count >= 8, let id = row[0].flatMap({ Int($0) }), let latitude = row[6].flatMap({ Double($0) }),
              let longitude = row[7].flatMap({ Double($0) }) else { return nil }
        return FileAirport(id: id, country: row[3] ?? "", latitude: latitude, longitude: longitude)
    }

    /// Great-circle distance in km on the sphere PostGIS uses for geography `<->` and
    /// the radius the server filters on: the WGS 84 mean radius (2a + b) / 3.
    static func haversineKm(_ lat1: Double, _ lon1: Double, _ lat2: Double, _ lon2: Double) -> Double {
        let radius = (2 * 6_378_137.0 + 6_356_752.314245179) / 3 / 1000
        let rad = Double.pi / 180
        let dLat = (lat2 - lat1) * rad, dLon = (lon2 - lon1) * rad
        let h = sin(dLat / 2) * sin(dLat / 2) + cos(lat1 * rad) * cos(lat2 * rad) * sin(dLon / 2) * sin(dLon / 2)
        return 2 * radius * asin(min(1, sqrt(h)))
    }

    /// The file, loaded (uploading it again changes nothing, so every test may).
    func loadTheFile() throws {
        let r = try httpRequest(port: port, "POST", "/upload", headers: [("Content-Type", "text/csv")],
                                body: Array(AirportsUploadTests.file.utf8), timeout: 60)
        #expect(r.status == 200, "\(r.summary)")
    }

    /// Every page of `path`, following `next`; fails (instead of looping) past `maxPages`.
    func walk(_ path: String, headers: [(String, String)] = [], maxPages: Int = 200) throws -> (items: [[String: Any]], pages: Int) {
        var items: [[String: Any]] = []
        var next: String? = path
        var pages = 0
        while let current = next {
            pages += 1
            guard pages <= maxPages else { Issue.record("more than \(maxPages) pages from \(path)"); break }
            let r = try httpRequest(port: port, "GET", current, headers: headers)
            #expect(r.status == 200, "\(current): \(r.summary)")
            items += try r.requireDataArray()
            next = r.object?.string("next")
        }
        return (items, pages)
    }

    @Test func theBriefsExampleFindsTheAirportsWithin83KmOfSFO() throws {
        try loadTheFile()
        let (lat, lon) = (37.61899948120117, -122.375)
        let r = try httpRequest(port: port, "GET", "/airports?near=\(lat),\(lon)&within_km=83&limit=1000")
        #expect(r.status == 200, "\(r.summary)")
        let served = try r.requireDataArray().filter { ($0.int("id") ?? 0) <= Self.maxFileId }

        let expected = Self.fileAirports.map { ($0.id, Self.haversineKm(lat, lon, $0.latitude, $0.longitude)) }
        // Sphere against sphere: only an airport within a metre of the edge may fall either way.
        let surely = Set(expected.filter { $0.1 <= 83 - 0.001 }.map(\.0))
        let maybe = Set(expected.filter { $0.1 <= 83 + 0.001 }.map(\.0))
        let servedIds = Set(served.compactMap { $0.int("id") })
        #expect(surely.count == 16, "the brief's example: 16 airports within 83 km of SFO")
        #expect(surely.isSubset(of: servedIds), "missing: \(surely.subtracting(servedIds).sorted())")
        #expect(servedIds.isSubset(of: maybe), "too far: \(servedIds.subtracting(maybe).sorted())")
        #expect(served.first?.int("id") == 3469 && served.first?.double("distance_km") == 0, "SFO itself first, at 0 km")

        let byId = Dictionary(uniqueKeysWithValues: expected)
        var previous = (distance: -1.0, id: -1)
        for airport in served {
            guard let id = airport.int("id"), let distance = airport.double("distance_km") else {
                Issue.record("an airport without id or distance_km: \(airport)"); continue
            }
            #expect(abs(distance - (byId[id] ?? -1)) < 1e-6, "\(id): served \(distance) km, haversine \(byId[id] ?? -1) km")
            #expect(distance <= 83, "\(id) at \(distance) km")
            #expect((previous.distance, previous.id) < (distance, id), "ordered by distance, then id: \(id) after \(previous)")
            previous = (distance, id)
        }
    }

    @Test(arguments: [(35.5522, 139.78), (-33.9461, 151.177), (64.13, -21.94), (-1.3192, 36.9278), (0.0, -150.0)])
    func theTenNearestOfAPointAreTheFilesTenNearest(latitude: Double, longitude: Double) throws {
        try loadTheFile()
        let r = try httpRequest(port: port, "GET", "/airports?near=\(latitude),\(longitude)&limit=100")
        #expect(r.status == 200, "\(r.summary)")
        let served = try r.requireDataArray().filter { ($0.int("id") ?? 0) <= Self.maxFileId }.prefix(10)
        let expected = Self.fileAirports
            .map { (id: $0.id, km: Self.haversineKm(latitude, longitude, $0.latitude, $0.longitude)) }
            .sorted { ($0.km, $0.id) < ($1.km, $1.id) }
        #expect(served.count == 10)
        for (airport, want) in zip(served, expected) {
            let distance = airport.double("distance_km") ?? -1
            // The same airport, or one at the same distance to within a metre (a tie of the two computations).
            #expect(airport.int("id") == want.id || abs(distance - want.km) < 0.001,
                    "near \(latitude),\(longitude): served \(airport.int("id") ?? -1) at \(distance) km, expected \(want.id) at \(want.km) km")
            #expect(abs(distance - want.km) < 1e-6, "\(want.id): \(distance) vs \(want.km) (the same sphere: to the millimetre)")
        }
    }

    @Test func pagesByDistanceFollowNextWithoutRepeatsOrGaps() throws {
        try loadTheFile()
        let (lat, lon) = (50.0333, 8.5706)  // Frankfurt
        let (items, pages) = try walk("/airports?near=\(lat),\(lon)&within_km=400&country=Germany&limit=7")
        let ids = items.compactMap { $0.int("id") }
        #expect(ids.count == Set(ids).count, "an airport on two pages: \(ids)")
        let expected = Self.fileAirports.filter { $0.country == "Germany" }
            .map { ($0.id, Self.haversineKm(lat, lon, $0.latitude, $0.longitude)) }
        let surely = Set(expected.filter { $0.1 <= 400 - 0.001 }.map(\.0))
        let maybe = Set(expected.filter { $0.1 <= 400 + 0.001 }.map(\.0))
        #expect(surely.count > 50, "enough for many pages")
        #expect(surely.isSubset(of: Set(ids)), "missing: \(surely.subtracting(Set(ids)).sorted())")
        #expect(Set(ids).isSubset(of: maybe))
        #expect(pages == (ids.count + 6) / 7 || pages == (ids.count + 6) / 7 + 1)
        let keys = items.map { ($0.double("distance_km") ?? -1, $0.int("id") ?? -1) }
        #expect(zip(keys, keys.dropFirst()).allSatisfy { $0 < $1 }, "ordered by distance, then id, across pages")
    }

    /// Airports at one point are tied on distance: pages must still split them by id.
    @Test func tiesOnDistancePageById() throws {
        let country = "Geo Ties \(UInt32.random(in: 0...UInt32.max))"
        var created: [Int] = []
        for k in 0..<9 {
            // Six at one point, three at another; all far from the file's airports.
            let (lat, lon) = k < 6 ? (-60.5, -30.25) : (-60.6, -30.25)
            let r = try httpRequest(port: port, "POST", "/airports", json: #"{"name": "Tie \#(k)", "city": "T", "country": "\#(country)", "latitude": \#(lat), "longitude": \#(lon)}"#)
            created.append(try r.dataField("id"))
        }
        let escaped = country.replacingOccurrences(of: " ", with: "%20")
        for limit in [1, 2, 4, 5] {
            let (items, _) = try walk("/airports?near=-60.5,-30.25&country=\(escaped)&limit=\(limit)")
            let ids = items.compactMap { $0.int("id") }
            #expect(ids == Array(created[0..<6]).sorted() + Array(created[6...]).sorted(), "limit \(limit): \(ids)")
        }
        let near = try httpRequest(port: port, "GET", "/airports?near=-60.5,-30.25&within_km=5&country=\(escaped)")
        #expect(try near.requireDataArray().compactMap { $0.int("id") } == Array(created[0..<6]).sorted())
    }

    @Test func nearCombinesWithTheFiltersAndShowsDeletedOnlyWhenAsked() throws {
        try loadTheFile()
        let sfo = "near=37.61899948120117,-122.375"
        // The file's OAK is the nearest OAK; another airport may take the code (schemathesis's
        // random airports in a database used before, say), further away.
        let iata = try httpRequest(port: port, "GET", "/airports?\(sfo)&iata=OAK")
        #expect(try iata.requireDataArray().first?.int("id") == 3453, "\(iata.summary)")
        let named = try httpRequest(port: port, "GET", "/airports?\(sfo)&within_km=83&q=county&country=United%20States")
        #expect(try named.requireDataArray().compactMap { $0.int("id") } == [8864, 11312, 8138, 7658])

        let country = "Geo Deleted \(UInt32.random(in: 0...UInt32.max))"
        let made = try httpRequest(port: port, "POST", "/airports", json: #"{"name": "Gone", "city": "G", "country": "\#(country)", "latitude": -61, "longitude": -31}"#)
        let id: Int = try made.dataField("id")
        #expect(try httpRequest(port: port, "GET", "/airports/\(id)/delete").status == 200)
        let escaped = country.replacingOccurrences(of: " ", with: "%20")
        #expect(try httpRequest(port: port, "GET", "/airports?near=-61,-31&country=\(escaped)").requireDataArray().isEmpty)
        let all = try httpRequest(port: port, "GET", "/airports?near=-61,-31&country=\(escaped)&include_deleted=true")
        #expect(try all.requireDataArray().compactMap { $0.int("id") } == [id])
    }

    @Test(arguments: [
        ("within_km=50", "within_km", "near="),
        ("near=91,0", "near", "-90 to 90"),
        ("near=-90.5,0", "near", "-90 to 90"),
        ("near=0,180.01", "near", "-180 to 180"),
        ("near=0,-181", "near", "-180 to 180"),
        ("near=37.6", "near", "two numbers"),
        ("near=37.6,-122.3,5", "near", "two numbers"),
        ("near=north,west", "near", "two numbers"),
        ("near=nan,0", "near", "two numbers"),
        ("near=inf,0", "near", "two numbers"),
        ("near=0x1p3,0", "near", "two numbers"),
        ("near=", "near", "two numbers"),
        ("near=1,2&within_km=0", "within_km", "greater than 0"),
        ("near=1,2&within_km=-5", "within_km", "greater than 0"),
        ("near=1,2&within_km=20000.5", "within_km", "at most 20000"),
        ("near=1,2&within_km=ten", "within_km", "number of kilometres"),
        ("near=1,2&near=3,4", "near", "more than once"),
        ("near=1,2&cursor=abc", "cursor", "next link"),
        ("near=1,2&cursor=7ff0000000000000-1", "cursor", "next link"),
        ("near=1,2&cursor=bff0000000000000-1", "cursor", "next link"),
        ("cursor=0000000000000000-1", "cursor", "near"),
        ("near=1,2&after=5", "after", "cursor"),
    ])
    func badParametersAreRefusedByName(query: String, parameter: String, hint: String) throws {
        let r = try httpRequest(port: port, "GET", "/airports?\(query)")
        #expect(r.status == 400, "\(query): \(r.summary)")
        #expect(r.header("Content-Type")?.hasPrefix("application/problem+json") == true, "\(query)")
        let errors = try r.require(r.errors, "errors")
        let named = errors.filter { $0.string("parameter") == parameter }
        #expect(named.contains { ($0.string("detail") ?? "").contains(hint) }, "\(query): \(r.text)")
    }

    @Test func geoJSONListsFeaturesWithLongitudeFirst() throws {
        try loadTheFile()
        let accept = [("Accept", "application/geo+json")]
        let r = try httpRequest(port: port, "GET", "/airports?near=37.61899948120117,-122.375&within_km=83&limit=5", headers: accept)
        #expect(r.status == 200, "\(r.summary)")
        #expect(r.header("Content-Type") == "application/geo+json")
        #expect(r.headers.contains { $0.0.lowercased() == "vary" && $0.1.contains("Accept") })
        let collection = try r.require(r.object, "a FeatureCollection")
        #expect(collection.string("type") == "FeatureCollection")
        #expect(collection["data"] == nil)
        let next = try r.require(collection.string("next"), "next as a top-level member")
        let features = try r.require(collection.objects("features"), "features")
        #expect(features.count == 5)
        let file = Dictionary(uniqueKeysWithValues: Self.fileAirports.map { ($0.id, $0) })
        for feature in features {
            #expect(feature.string("type") == "Feature")
            let geometry = feature.object("geometry")
            let properties = feature.object("properties")
            let coordinates = geometry?["coordinates"] as? [Double]
            #expect(geometry?.string("type") == "Point")
            #expect(coordinates?.count == 2)
            #expect(coordinates?.first == properties?.double("longitude") && coordinates?.last == properties?.double("latitude"),
                    "[longitude, latitude]: \(feature)")
            if let id = properties?.int("id"), id <= Self.maxFileId, let airport = file[id] {
                #expect(feature.int("id") == id)
                #expect(abs((coordinates?.first ?? 0) - airport.longitude) < 1e-9 && abs((coordinates?.last ?? 0) - airport.latitude) < 1e-9)
            }
            #expect(properties?.double("distance_km") != nil)
        }
        #expect(features.first?.object("properties")?.string("iata") == "SFO")
        let page2 = try httpRequest(port: port, "GET", next, headers: accept)
        #expect(page2.header("Content-Type") == "application/geo+json")
        #expect((page2.object?.objects("features")?.count ?? 0) == 5)

        // Without near, the id pages answer GeoJSON too, with no distance.
        let plain = try httpRequest(port: port, "GET", "/airports?iata=SFO", headers: accept)
        let sfo = plain.object?.objects("features")?.first
        #expect(sfo?.object("geometry")?["coordinates"] as? [Double] == [-122.375, 37.61899948120117])
        #expect(sfo?.object("properties")?["distance_km"] == nil)
    }

    @Test func oneAirportAsAGeoJSONFeature() throws {
        try loadTheFile()
        let r = try httpRequest(port: port, "GET", "/airports/3469", headers: [("Accept", "application/geo+json")])
        #expect(r.status == 200, "\(r.summary)")
        #expect(r.header("Content-Type") == "application/geo+json")
        #expect(r.header("Vary")?.contains("Accept") == true)
        let feature = try r.require(r.object, "a Feature")
        #expect(feature.string("type") == "Feature")
        #expect(feature.int("id") == 3469)
        #expect(feature.object("geometry")?["coordinates"] as? [Double] == [-122.375, 37.61899948120117])
        #expect(feature.object("properties")?.string("icao") == "KSFO")

        // Its ETag differs from the JSON one; either works for If-None-Match on its own representation.
        let geoTag = try r.require(r.header("ETag"), "an ETag")
        let json = try httpRequest(port: port, "GET", "/airports/3469")
        #expect(json.header("Content-Type")?.hasPrefix("application/json") == true)
        #expect(json.header("Vary")?.contains("Accept") == true)
        #expect(json.header("ETag") != geoTag)
        let notModified = try httpRequest(port: port, "GET", "/airports/3469", headers: [("Accept", "application/geo+json"), ("If-None-Match", geoTag)])
        #expect(notModified.status == 304)
        #expect(notModified.header("ETag") == geoTag)
    }

    @Test(arguments: [
        ("application/json", false),
        ("*/*", false),
        ("application/geo+json", true),
        ("application/geo+json, */*;q=0.1", true),
        ("application/json;q=0.5, application/geo+json", true),
        ("application/json, application/geo+json;q=0.5", false),
        ("application/geo+json;q=0", false),
        ("text/html", false),
    ])
    func acceptChoosesTheRepresentation(accept: String, geo: Bool) throws {
        let r = try httpRequest(port: port, "GET", "/airports?limit=1", headers: [("Accept", accept)])
        #expect(r.status == 200)
        #expect((r.header("Content-Type") == "application/geo+json") == geo, "\(accept): \(r.header("Content-Type") ?? "-")")
    }

    @Test func anIfMatchWithTheGeoJSONTagUpdates() throws {
        let made = try httpRequest(port: port, "POST", "/airports", json: #"{"name": "Geo Tag", "city": "G", "country": "Geo Tag Land", "latitude": -62, "longitude": -32}"#)
        let id: Int = try made.dataField("id")
        let geo = try httpRequest(port: port, "GET", "/airports/\(id)", headers: [("Accept", "application/geo+json")])
        let tag = try geo.require(geo.header("ETag"), "an ETag")
        let patched = try httpRequest(port: port, "PATCH", "/airports/\(id)", headers: [("If-Match", tag)], json: #"{"city": "H"}"#)
        #expect(patched.status == 200, "\(patched.summary)")
        let stale = try httpRequest(port: port, "PATCH", "/airports/\(id)", headers: [("If-Match", tag)], json: #"{"city": "I"}"#)
        #expect(stale.status == 412)
    }
}
