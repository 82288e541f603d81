import Access
import HTTP
import JSON
import Routing

/// Share links of an import's report: `POST`, `GET /imports/{import_id}/report/links`,
/// `DELETE …/links/{link_id}` for keys, and `GET /shared/reports/{token}`, the page a link opens
/// in a browser with no key. The token is in the 201 answer only; the server keeps its SHA-256.
public struct ReportLinkHandlers: Sendable {
    /// Where a link's page is; the token follows. Paths under it are redacted in the access log.
    public static let sharePrefix = "/shared/reports/"
    public static let shareRoute = sharePrefix + "{token}"
    static let defaultDays = 7
    static let maxDays = 90

    let repository: ReportLinksRepository
    let report: ImportReportHandler

    public init(repository: ReportLinksRepository, report: ImportReportHandler) {
        self.repository = repository
        self.report = report
    }

    /// `{"expires_in_days": 1…90}` (default 7; an empty body takes the default) → 201 with the url.
    public func create(_ request: Request) throws -> Response {
        let importId = try request.parameters.int("import_id")
        _ = try request.queryItems(allowed: [])
        let days = try ReportLinkHandlers.expiryDays(try request.jsonBytes(limit: 16 * 1024))
        let token = SecretToken.generate(prefix: "ir_")
        guard let link = try repository.create(importId: importId, tokenSHA256Hex: token.sha256Hex,
                                               createdBy: request.caller?.id, days: days) else {
            throw HTTPError.notFound("Import \(importId) does not exist.")
        }
        var writer = JSONWriter(capacity: 300)
        writer.raw("{\"data\":")
        ReportLinkHandlers.write(link, url: ReportLinkHandlers.sharePrefix + token.text, to: &writer)
        writer.raw("}")
        var response = Response.json(201, writer.bytes)
        response.headers.add("Location", "/imports/\(importId)/report/links/\(link.id)")
        response.headers.add("Cache-Control", "no-store")
        return response
    }

    public func list(_ request: Request) throws -> Response {
        let importId = try request.parameters.int("import_id")
        _ = try request.queryItems(allowed: [])
        guard let links = try repository.list(importId: importId) else {
            throw HTTPError.notFound("Import \(importId) does not exist.")
        }
        var writer = JSONWriter(capacity: 64 + links.count * 160)
        writer.raw("{\"data\":[")
        for (i, link) in links.enumerated() {
            if i > 0 { writer.raw(",") }
            ReportLinkHandlers.write(link, url: nil, to: &writer)
        }
        writer.raw("]}")
        return .json(200, writer.bytes)
    }

    public func revoke(_ request: Request) throws -> Response {
        let importId = try request.parameters.int("import_id")
        let linkId = try request.parameters.int("link_id")
        guard try repository.delete(importId: importId, linkId: linkId) else {
            throw HTTPError.notFound("Import \(importId) has no report link \(linkId).")
        }
        return .empty(204)
    }

    /// The report a live link opens; 404 for a token that is unknown or revoked, 410 once expired.
    public func open(_ request: Request) throws -> Response {
        _ = try request.queryItems(allowed: [])
        switch try repository.lookup(tokenSHA256Hex: SecretToken(request.parameters.string("token")).sha256Hex) {
        case .none:
            throw HTTPError.notFound("This report link does not exist or was revoked; ask whoever shared it for a new one.")
        case let .expired(at):
            throw HTTPError(410, "This report link expired at \(at); ask whoever shared it for a new one.")
        case let .live(importId):
            return try report.page(importId: importId)
        }
    }

    /// A share route's handler whose every answer, refusals and 503s included, stays out of
    /// caches and sends no Referer onwards (the token is in the page's URL).
    public static func sharing(_ handler: @escaping Handler) -> Handler {
        return { request in
            do {
                var response = try handler(request)
                addShareHeaders(&response.headers)
                return response
            } catch var error as HTTPError {
                addShareHeaders(&error.headers)
                throw error
            }
        }
    }

    static func addShareHeaders(_ headers: inout Headers) {
        headers.add("Cache-Control", "private, no-store")
        headers.add("Referrer-Policy", "no-referrer")
        headers.add("X-Robots-Tag", "noindex, nofollow")
    }

    /// The days a new link lasts, from the request body (empty: the default).
    static func expiryDays(_ bytes: [UInt8]) throws -> Int {
        let example = "such as {\"expires_in_days\": 7}"
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) { return defaultDays }
        let body: JSONValue
        do { body = try JSONParser(maxDepth: 4).parse(bytes) } catch let error as JSONParser.Error {
            throw HTTPError.invalidJSON(error)
        }
        guard case let .object(members) = body else {
            throw HTTPError.badRequest("The body must be a JSON object \(example), or empty for a link that lasts \(defaultDays) days.")
        }
        var errors: [ProblemField] = []
        for member in members where member.key != "expires_in_days" {
            errors.append(ProblemField(pointer: "/" + JSONValue.pointerToken(member.key),
                                       detail: "unknown field; a report link takes only expires_in_days"))
        }
        var days = defaultDays
        if let value = body["expires_in_days"] {
            if let number = value.int64Value, (1...Int64(maxDays)).contains(number) {
                days = Int(number)
            } else {
                errors.append(ProblemField(pointer: "/expires_in_days",
                                           detail: "must be a whole number of days from 1 to \(maxDays) (default \(defaultDays))"))
            }
        }
        guard errors.isEmpty else { throw HTTPError.badRequest("The report link is not valid.", errors: errors) }
        return days
    }

    static func write(_ link: ReportLink, url: String?, to writer: inout JSONWriter) {
        writer.raw("{\"id\":"); writer.int(link.id)
        if let url { writer.raw(",\"url\":"); writer.string(url) }
        writer.raw(",\"expires_at\":"); writer.string(link.expiresAt)
        writer.raw(",\"created_by\":")
        if let createdBy = link.createdBy { writer.string(createdBy) } else { writer.raw("null") }
        writer.raw(",\"created_at\":"); writer.string(link.createdAt)
        writer.raw("}")
    }
}
