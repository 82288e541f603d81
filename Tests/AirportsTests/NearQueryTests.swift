@testable import Airports
import HTTP
import Routing
import Testing

/// The parsing of `near`, `within_km` and `cursor`, the cursor's round trip, and the Accept
/// negotiation of GeoJSON, without a server.
@Suite struct NearQueryTests {
    func query() -> QueryParameters? { try? QueryParameters(items: [], allowed: []) }

    func point(_ text: String) -> (latitude: Double, longitude: Double)? {
        guard var query = query() else { return nil }
        let value = NearQuery.point(("near", text), &query)
        #expect((value == nil) == ((try? query.check()) == nil), "\(text): a value or a problem")
        return value
    }

    @Test func pointsAreLatitudeThenLongitude() {
        #expect(point("37.61899948120117,-122.375").map { [$0.latitude, $0.longitude] } == [37.61899948120117, -122.375])
        #expect(point(" -90 , 180 ").map { [$0.latitude, $0.longitude] } == [-90, 180])
        #expect(point("1e1,-2.5E1").map { [$0.latitude, $0.longitude] } == [10, -25])
        for bad in ["", ",", "1", "1,2,3", "90.000001,0", "0,-180.5", "nan,0", "0,inf", "+1,2", "1.,2", "0x10,2", "1;2", "1 2"] {
            #expect(point(bad) == nil, "\(bad)")
        }
    }

    @Test func radiiAreAboveZeroUpTo20000Km() {
        guard var query = query() else { return }
        #expect(NearQuery.radius(("within_km", "83"), &query) == 83)
        #expect(NearQuery.radius(("within_km", "20000"), &query) == 20_000)
        #expect(NearQuery.radius(("within_km", "0.001"), &query) == 0.001)
        #expect((try? query.check()) != nil)
        for bad in ["0", "-1", "20000.01", "1e9", "km", ""] {
            guard var query = self.query() else { return }
            #expect(NearQuery.radius(("within_km", bad), &query) == nil, "\(bad)")
            #expect((try? query.check()) == nil)
        }
    }

    @Test func theCursorKeepsTheDistanceBitForBit() {
        for (distance, id) in [(0.0, Int64(0)), (16161.858912162068, 10360), (0.1 + 0.2, 42), (20_015_086.796020572, 999_999_999_999_999_999), (5e-324, 7)] {
            let cursor = NearCursor(distanceMetres: distance, id: id)
            #expect(NearCursor(cursor.text) == cursor, "\(cursor.text)")
            #expect(cursor.text.utf8.allSatisfy { $0 == UInt8(ascii: "-") || ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) })
        }
        for bad in ["", "-", "abc", "40cf90edf0d56f1c", "40cf90edf0d56f1c-", "40cf90edf0d56f1c--1", "40cf90edf0d56f1c-+1",
                    "40cf90edf0d56f1-1", "7ff8000000000000-1", "fff0000000000000-1", "8000000000000001-1", "40cf90edf0d56f1c-99999999999999999999"] {
            #expect(NearCursor(bad) == nil, "\(bad)")
        }
    }

    @Test func acceptPrefersGeoJSONOnlyWhenItRanksFirst() {
        let cases: [(String, Bool)] = [
            ("application/geo+json", true),
            ("Application/GEO+JSON", true),
            ("application/geo+json;q=0.9, application/json;q=0.8", true),
            ("application/geo+json, application/*;q=0.5", true),
            ("application/geo+json, */*", true),
            ("application/*", false),
            ("*/*", false),
            ("application/json", false),
            ("application/json, application/geo+json", false),
            ("application/geo+json;q=0", false),
            ("application/geo+json;q=nan", false),
            ("application/geo+json;q=0.5, application/json;q=0.5", false),
            ("text/html, application/geo+json;q=0.1", true),
            ("garbage", false),
        ]
        for (accept, geo) in cases {
            #expect(AirportRepresentation.prefersGeoJSON(accept) == geo, "\(accept)")
        }
    }

    @Test func thePointParameterIsLongitudeFirst() {
        #expect(NearQuery(latitude: 37.5, longitude: -122.25).pointParameter == "SRID=4326;POINT(-122.25 37.5)")
    }
}
