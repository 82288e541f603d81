import HTTP
import JSON
import Postgres
import Routing

/// `GET /airports`: live airports by id, filtered, in keyset pages; or, with `near`, by distance
/// from a point (NearQuery). JSON, or GeoJSON when the Accept header asks for it.
public struct ListAirportsHandler: Sendable {
    let repository: AirportsRepository
    static let parameters: Set<String> = ["country", "city", "iata", "icao", "q", "limit", "after", "include_deleted",
                                          "near", "within_km", "cursor"]

    public init(repository: AirportsRepository) {
        self.repository = repository
    }

    public func handle(_ request: Request) throws -> Response {
        var query = try QueryParameters(request, allowed: ListAirportsHandler.parameters)
        var filters = AirportsRepository.Filters()
        var point: (latitude: Double, longitude: Double)?
        var withinKm: Double?
        var cursor: NearCursor?
        for item in query.items {
            switch item.name {
            case "country": filters.country = item.value
            case "city": filters.city = item.value
            case "iata": filters.iata = item.value
            case "icao": filters.icao = item.value
            case "q": filters.nameContains = item.value
            case "limit": filters.limit = query.pageLimit(item) ?? filters.limit
            case "after": filters.after = query.position(item, "an airport id") ?? filters.after
            case "include_deleted": filters.includeDeleted = query.bool(item) ?? filters.includeDeleted
            case "near": point = NearQuery.point(item, &query)
            case "within_km": withinKm = NearQuery.radius(item, &query)
            case "cursor":
                cursor = NearCursor(item.value)
                if cursor == nil { query.refuse("cursor", "must be the cursor of a next link, unchanged; follow next to page on") }
            default: break
            }
        }
        if !query.given.contains("near") {
            if query.given.contains("within_km") {
                query.refuse("within_km", "needs near=<latitude>,<longitude>, the point to measure from, e.g. near=37.619,-122.375&within_km=83")
            }
            if query.given.contains("cursor") {
                query.refuse("cursor", "pages by distance only with near; without near, pages continue with after=<id>")
            }
        } else if query.given.contains("after") {
            query.refuse("after", "pages by id; with near, pages continue with the cursor of the next link")
        }
        try query.check()
        let items = query.items

        let representation = AirportRepresentation.of(request)
        var response: Response
        if let point {
            let near = NearQuery(latitude: point.latitude, longitude: point.longitude, withinKm: withinKm, cursor: cursor)
            response = try nearPage(filters, near, items, representation)
        } else {
            response = try idPage(filters, items, representation)
        }
        AirportRepresentation.vary(&response)
        return response
    }

    private func idPage(_ filters: AirportsRepository.Filters, _ items: [(name: String, value: String)],
                        _ representation: AirportRepresentation) throws -> Response {
        var body: [UInt8] = []
        try repository.list(filters) { result in
            let count = min(result.count, filters.limit)
            var next: String?
            if result.count > filters.limit, let last = result.id(count - 1) {
                next = nextLink(("after", String(last)), items)
            }
            body = encode(result, count: count, next: next, representation)
        }
        return answer(body, representation)
    }

    private func nearPage(_ filters: AirportsRepository.Filters, _ near: NearQuery, _ items: [(name: String, value: String)],
                          _ representation: AirportRepresentation) throws -> Response {
        var body: [UInt8] = []
        try repository.listNear(filters, near) { result in
            let count = min(result.count, filters.limit)
            let distanceMetres = try result.result.column("distance_m"), distanceKm = try result.result.column("distance_km")
            var next: String?
            if result.count > filters.limit, let last = result.id(count - 1),
               let distance = result.row(count - 1).double(distanceMetres) {
                next = nextLink(("cursor", NearCursor(distanceMetres: distance, id: last).text), items)
            }
            body = encode(result, count: count, next: next, representation) { rows, row, w in
                w.raw(",\"distance_km\":")
                rows.row(row).withBytes(distanceKm) { w.bytes.append(contentsOf: $0) }
            }
        }
        return answer(body, representation)
    }

    private func encode(_ result: AirportRows, count: Int, next: String?, _ representation: AirportRepresentation,
                        extra: ((AirportRows, Int, inout JSONWriter) -> Void)? = nil) -> [UInt8] {
        if representation == .geoJSON {
            return AirportGeoJSON.collection(result, count: count, next: next, extra: extra)
        }
        var w = JSONWriter(capacity: 128 + count * 400)
        w.raw("{\"data\":[")
        for row in 0..<count {
            if row > 0 { w.raw(",") }
            AirportJSON.write(result, row: row, to: &w, extra: extra.map { extra in { extra(result, row, &$0) } })
        }
        w.raw("],\"next\":")
        if let next { w.string(next) } else { w.raw("null") }
        w.raw("}")
        return w.bytes
    }

    private func answer(_ body: [UInt8], _ representation: AirportRepresentation) -> Response {
        representation == .geoJSON ? Response(status: 200, contentType: AirportRepresentation.geoJSONType, body: body) : .json(200, body)
    }

    /// The same query with the keyset (`after` or `cursor`) moved to the end of this page.
    private func nextLink(_ keyset: (name: String, value: String), _ items: [(name: String, value: String)]) -> String {
        var parts = ["\(keyset.name)=\(keyset.value)"]
        for item in items where item.name != keyset.name {
            parts.append("\(item.name)=\(PercentEncoding.encode(item.value))")
        }
        return "/airports?" + parts.joined(separator: "&")
    }
}
