import JSON

/// One offending field of a request, named by a JSON Pointer (or a CSV line and column).
public struct ProblemField: Sendable, Equatable {
    public var pointer: String?
    public var detail: String
    public var extra: [(String, JSONValue)]

    public init(pointer: String?, detail: String, extra: [(String, JSONValue)] = []) {
        self.pointer = pointer
        self.detail = detail
        self.extra = extra
    }

    public static func == (a: ProblemField, b: ProblemField) -> Bool {
        a.pointer == b.pointer && a.detail == b.detail && a.extra.count == b.extra.count
    }
}

/// An error a handler or the engine answers with, as RFC 9457 problem+json.
public struct HTTPError: Error, Sendable {
    public var status: Int
    public var detail: String
    public var errors: [ProblemField]
    /// Problems found beyond `errors` and not listed (a list builder that stopped at the cap).
    public var errorsOmitted = 0
    /// Extension members of the problem (RFC 9457 section 3.2), written after `detail`.
    public var members: [(String, JSONValue)] = []
    public var headers: Headers
    /// The connection cannot be trusted after this error (framing is broken).
    public var closeConnection: Bool

    public init(_ status: Int, _ detail: String, errors: [ProblemField] = [], headers: Headers = Headers(),
                closeConnection: Bool = false) {
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = headers
        self.closeConnection = closeConnection
    }

    public static func badRequest(_ detail: String, errors: [ProblemField] = []) -> HTTPError {
        HTTPError(400, detail, errors: errors)
    }

    public static func notFound(_ detail: String = "No resource at this path.") -> HTTPError {
        HTTPError(404, detail)
    }

    public static func unavailable(_ detail: String, retryAfter: Int = 1) -> HTTPError {
        var headers = Headers()
        headers.add("Retry-After", String(retryAfter))
        return HTTPError(503, detail, headers: headers)
    }

    /// The most `errors` an answer lists (the schema's maxItems); the rest are counted in
    /// `errors_omitted` and the detail.
    public static let maxListedErrors = 100

    /// The problem+json response for this error.
    public var response: Response {
        let errors = self.errors.prefix(HTTPError.maxListedErrors)
        let omitted = errorsOmitted + self.errors.count - errors.count
        var detail = self.detail
        if omitted > 0 {
            detail += " \(errors.count + omitted) problems were found; the first \(errors.count) are listed, \(omitted) more are left out."
        }
        var members = self.members
        if omitted > 0 { members.append(("errors_omitted", .number(JSONNumber(Int64(omitted))))) }
        var writer = JSONWriter(capacity: 128 + errors.count * 64)
        writer.raw("{\"type\":\"about:blank\",\"title\":")
        writer.string(HTTPStatus.reason(status))
        writer.raw(",\"status\":")
        writer.int(status)
        writer.raw(",\"detail\":")
        writer.string(detail)
        for (name, value) in members {
            writer.raw(",")
            writer.key(name)
            writer.value(value)
        }
        if !errors.isEmpty {
            writer.raw(",\"errors\":[")
            for (i, field) in errors.enumerated() {
                if i > 0 { writer.raw(",") }
                writer.raw("{")
                if let pointer = field.pointer {
                    writer.key("pointer")
                    writer.string(pointer)
                    writer.raw(",")
                }
                for (name, value) in field.extra {
                    writer.key(name)
                    writer.value(value)
                    writer.raw(",")
                }
                writer.key("detail")
                writer.string(field.detail)
                writer.raw("}")
            }
            writer.raw("]")
        }
        writer.raw("}")
        var response = Response(status: status, contentType: "application/problem+json; charset=utf-8", body: writer.bytes)
        for field in headers { response.headers.add(field.name, field.value) }
        return response
    }
}
