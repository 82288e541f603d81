import HTTP
import JSON
import Routing

/// `near=<lat>,<lon>`, `within_km=<R>` and `cursor` of `GET /airports`: airports by distance from
/// a point. Distances are on the sphere (PostGIS's `<->` on geography, radius 6,371,008.8 m), for
/// the order, the radius and the `distance_km` reported alike, so the three always agree.
public struct NearQuery: Sendable {
    public var latitude: Double
    public var longitude: Double
    /// Only airports at most this far, when given.
    public var withinKm: Double?
    /// Where the previous page ended.
    public var cursor: NearCursor?

    public init(latitude: Double, longitude: Double, withinKm: Double? = nil, cursor: NearCursor? = nil) {
        self.latitude = latitude
        self.longitude = longitude
        self.withinKm = withinKm
        self.cursor = cursor
    }

    public static let maxWithinKm = 20_000.0

    /// The point as a geography parameter (EWKT: longitude first).
    var pointParameter: String { "SRID=4326;POINT(\(longitude) \(latitude))" }

    /// The point of `near`; nil after refusing it in `query`.
    static func point(_ item: QueryParameters.Item, _ query: inout QueryParameters) -> (latitude: Double, longitude: Double)? {
        let example = "send near=<latitude>,<longitude> in decimal degrees, e.g. near=37.619,-122.375"
        let parts = item.value.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 2, let latitude = number(parts[0]), let longitude = number(parts[1]) else {
            query.refuse(item.name, "must be two numbers separated by a comma: \(example)")
            return nil
        }
        guard (-90...90).contains(latitude) else {
            query.refuse(item.name, "the latitude (the first number) must be from -90 to 90; \(example)")
            return nil
        }
        guard (-180...180).contains(longitude) else {
            query.refuse(item.name, "the longitude (the second number) must be from -180 to 180; \(example)")
            return nil
        }
        return (latitude, longitude)
    }

    /// The radius of `within_km`; nil after refusing it in `query`.
    static func radius(_ item: QueryParameters.Item, _ query: inout QueryParameters) -> Double? {
        guard let km = number(Substring(item.value)), km > 0, km <= maxWithinKm else {
            query.refuse(item.name, "must be a number of kilometres greater than 0 and at most 20000, e.g. within_km=83")
            return nil
        }
        return km
    }

    /// A decimal number (spaces around it allowed); not `inf`, `nan` or hex.
    private static func number(_ text: Substring) -> Double? {
        let trimmed = text.trimmingCharacters(in: " ")
        guard NumberSyntax.isDecimal(Array(trimmed.utf8)), let value = Double(trimmed), value.isFinite else { return nil }
        return value
    }
}

/// The keyset of a page by distance: the distance in metres (bit for bit) and the id of the last
/// airport a page showed. Opaque to clients: `<16 hex digits of the double>-<id>`.
public struct NearCursor: Sendable, Equatable {
    public let distanceMetres: Double
    public let id: Int64

    public init(distanceMetres: Double, id: Int64) {
        self.distanceMetres = distanceMetres
        self.id = id
    }

    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].utf8.count == 16, let bits = UInt64(parts[0], radix: 16),
              parts[1].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let id = Int64(parts[1]) else { return nil }
        let distance = Double(bitPattern: bits)
        guard distance.isFinite, distance >= 0 else { return nil }
        self.init(distanceMetres: distance, id: id)
    }

    public var text: String {
        let hex = String(distanceMetres.bitPattern, radix: 16)
        return String(repeating: "0", count: 16 - hex.utf8.count) + hex + "-\(id)"
    }
}
