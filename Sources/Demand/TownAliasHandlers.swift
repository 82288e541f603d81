import HTTP
import JSON
import Routing

/// `PUT`, `GET`, `DELETE /town-aliases/{town}` and `GET /town-aliases`.
public struct TownAliasHandlers: Sendable {
    let repository: DemandRepository

    public init(repository: DemandRepository) {
        self.repository = repository
    }

    /// 201 for a new alias, 200 for a replaced one; the body `{"city", "country"?}`.
    public func put(_ request: Request) throws -> Response {
        let town = try TownAliasHandlers.town(request)
        let (city, country) = try TownAliasHandlers.body(try request.jsonBody(limit: 16 * 1024))
        let stored: (alias: TownAlias, created: Bool)
        do {
            stored = try repository.putAlias(TownAlias(town: town, city: city, country: country))
        } catch DemandRepository.Failure.townWithoutKey {
            throw HTTPError.badRequest("The town cannot be matched to a city.", errors: [ProblemField(
                pointer: nil, detail: "has no letter or digit that names a place (only symbols such as ² or Ⓐ)",
                extra: [("parameter", .string("town"))])])
        }
        var response = Response.json(stored.created ? 201 : 200, TownAliasHandlers.document(stored.alias))
        if stored.created { response.headers.add("Location", "/town-aliases/" + PercentEncoding.encode(stored.alias.town)) }
        return response
    }

    public func list(_ request: Request) throws -> Response {
        _ = try request.queryItems(allowed: [])
        let aliases = try repository.aliases()
        var w = JSONWriter(capacity: 32 + aliases.count * 96)
        w.raw("{\"data\":[")
        for (i, alias) in aliases.enumerated() {
            if i > 0 { w.raw(",") }
            TownAliasHandlers.write(alias, to: &w)
        }
        w.raw("]}")
        return .json(200, w.bytes)
    }

    public func get(_ request: Request) throws -> Response {
        let town = try request.parameters.string("town")
        // A name no alias can have (U+0000 would even be cut short on its way to PostgreSQL).
        guard PlaceName.isValid(town), let alias = try repository.alias(town: town) else { throw TownAliasHandlers.notFound(town) }
        return .json(200, TownAliasHandlers.document(alias))
    }

    public func delete(_ request: Request) throws -> Response {
        let town = try request.parameters.string("town")
        guard PlaceName.isValid(town), try repository.deleteAlias(town: town) else { throw TownAliasHandlers.notFound(town) }
        return .empty(204)
    }

    static func notFound(_ town: String) -> HTTPError {
        .notFound("Town \"\(town)\" has no alias.")
    }

    static func town(_ request: Request) throws -> String {
        let town = try request.parameters.string("town")
        guard PlaceName.isValid(town) else {
            throw HTTPError.badRequest("The town in the path is not valid.", errors: [ProblemField(
                pointer: nil, detail: "\(PlaceName.rule) (percent-encoded UTF-8 in the path)", extra: [("parameter", .string("town"))])])
        }
        return town
    }

    /// `{"city": "...", "country": "..." or null or absent}`; every problem listed at once.
    static func body(_ value: JSONValue) throws -> (city: String, country: String?) {
        guard case let .object(members) = value else {
            throw HTTPError.badRequest("The body must be a JSON object: {\"city\": \"Moscow\", \"country\": \"Russia\"}.")
        }
        var errors: [ProblemField] = []
        var city: String?
        var country: String?
        var seen = Set<String>()
        for member in members {
            let pointer = "/" + JSONValue.pointerToken(member.key)
            guard seen.insert(member.key).inserted else {
                errors.append(ProblemField(pointer: pointer, detail: "given more than once"))
                continue
            }
            switch member.key {
            case "city":
                if let text = member.value.stringValue, PlaceName.isValid(text) { city = text } else {
                    errors.append(ProblemField(pointer: pointer, detail: "must be a string: \(PlaceName.rule)"))
                }
            case "country":
                if member.value == .null { continue }
                if let text = member.value.stringValue, PlaceName.isValid(text) { country = text } else {
                    errors.append(ProblemField(pointer: pointer, detail: "must be null or a string: \(PlaceName.rule)"))
                }
            default:
                errors.append(ProblemField(pointer: pointer, detail: "unknown field (an alias has city and country)"))
            }
        }
        if !seen.contains("city") { errors.append(ProblemField(pointer: "/city", detail: "is required")) }
        guard errors.isEmpty, let city else { throw HTTPError.badRequest("The alias is not valid.", errors: errors) }
        return (city, country)
    }

    static func document(_ alias: TownAlias) -> [UInt8] {
        var w = JSONWriter(capacity: 128)
        w.raw("{\"data\":")
        write(alias, to: &w)
        w.raw("}")
        return w.bytes
    }

    static func write(_ alias: TownAlias, to w: inout JSONWriter) {
        w.raw("{\"town\":"); w.string(alias.town)
        w.raw(",\"city\":"); w.string(alias.city)
        w.raw(",\"country\":")
        if let country = alias.country { w.string(country) } else { w.raw("null") }
        w.raw("}")
    }
}
