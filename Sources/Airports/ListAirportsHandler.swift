import HTTP
import JSON

/// `GET /airports`: live airports by id, filtered, in keyset pages.
public struct ListAirportsHandler: Sendable {
    let repository: AirportsRepository
    static let parameters: Set<String> = ["country", "city", "iata", "icao", "q", "limit", "after", "include_deleted"]

    public init(repository: AirportsRepository) {
        self.repository = repository
    }

    public func handle(_ request: Request) throws -> Response {
        let items = try AirportRequests.onlyParameters(request, ListAirportsHandler.parameters)
        var filters = AirportsRepository.Filters()
        var errors = ProblemList()
        var seen = Set<String>()
        for item in items {
            guard seen.insert(item.name).inserted else {
                errors.append(ProblemField(pointer: nil, detail: "given more than once", extra: [("parameter", .string(item.name))]))
                continue
            }
            switch item.name {
            case "country": filters.country = item.value
            case "city": filters.city = item.value
            case "iata": filters.iata = item.value
            case "icao": filters.icao = item.value
            case "q": filters.nameContains = item.value
            case "limit":
                if let limit = Int(item.value), (1...1000).contains(limit) { filters.limit = limit } else {
                    errors.append(ProblemField(pointer: nil, detail: "must be an integer from 1 to 1000", extra: [("parameter", .string("limit"))]))
                }
            case "after":
                if let after = Int64(item.value), after >= 0 { filters.after = after } else {
                    errors.append(ProblemField(pointer: nil, detail: "must be an airport id", extra: [("parameter", .string("after"))]))
                }
            case "include_deleted":
                if item.value == "true" || item.value == "false" { filters.includeDeleted = item.value == "true" } else {
                    errors.append(ProblemField(pointer: nil, detail: "must be true or false", extra: [("parameter", .string("include_deleted"))]))
                }
            default: break
            }
        }
        guard errors.isEmpty else { throw errors.badRequest("The query is not valid.") }

        var body: [UInt8] = []
        try repository.list(filters) { result in
            let count = min(result.rowCount, filters.limit)
            var w = JSONWriter(capacity: 128 + count * 400)
            w.raw("{\"data\":[")
            for row in 0..<count {
                if row > 0 { w.raw(",") }
                AirportJSON.write(result, row: row, to: &w)
            }
            w.raw("],\"next\":")
            if result.rowCount > filters.limit, let last = result.int(count - 1, 0) {
                w.string(nextLink(after: last, items))
            } else {
                w.raw("null")
            }
            w.raw("}")
            body = w.bytes
        }
        return .json(200, body)
    }

    /// The same query with `after` moved to the last id of this page.
    private func nextLink(after last: Int64, _ items: [(name: String, value: String)]) -> String {
        var parts = ["after=\(last)"]
        for item in items where item.name != "after" {
            parts.append("\(item.name)=\(QueryEncoding.encode(item.value))")
        }
        return "/airports?" + parts.joined(separator: "&")
    }
}

enum QueryEncoding {
    static func encode(_ value: String) -> String {
        var out = ""
        for b in value.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(UnicodeScalar(b))
            default:
                out += "%" + (b < 16 ? "0" : "") + String(b, radix: 16, uppercase: true)
            }
        }
        return out
    }
}
