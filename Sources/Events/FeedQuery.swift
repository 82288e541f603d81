import HTTP
import Postgres

/// What a reader asks of the feed: `GET /events?after=&limit=&types=&subject=&wait=`.
struct FeedQuery {
    /// Events after this position; nil: from the oldest kept.
    var after: Int64?
    var limit = 100
    /// Type prefixes (`insikt.airport.`); empty: every type.
    var types: [String] = []
    /// Subject prefix (`/imports/3`).
    var subject: String?
    /// Seconds to hold a request that finds nothing newer (long poll).
    var wait = 0.0
    /// The names given, to repeat them in `next`.
    var given: Set<String> = []

    static let maxWait = 60.0
    static let maxTypes = 100

    /// Reads the query string; `lastEventID` (SSE's Last-Event-ID) stands for `after`.
    static func parse(_ request: Request) throws -> FeedQuery {
        var query = FeedQuery()
        var parameters = try QueryParameters(request, allowed: ["after", "limit", "types", "subject", "wait"])
        query.given = parameters.given
        for item in parameters.items {
            switch item.name {
            case "after":
                query.after = parameters.position(item, "an event position (the id of the last event you saw)")
            case "limit":
                query.limit = parameters.pageLimit(item) ?? query.limit
            case "types":
                query.types = item.value.split(separator: ",").map { String($0) }.filter { !$0.isEmpty }
                // Each event is matched against every prefix: as many as a webhook may list.
                if query.types.count > maxTypes {
                    parameters.refuse("types", "must list at most \(maxTypes) event type prefixes, separated by commas")
                }
            case "subject":
                if item.value.isEmpty { parameters.refuse("subject", "must be a path prefix such as /imports/3") } else { query.subject = item.value }
            default:
                if let value = Double(item.value), value >= 0, value <= maxWait { query.wait = value } else {
                    parameters.refuse("wait", "must be a number of seconds from 0 to 60")
                }
            }
        }
        if let last = request.headers["Last-Event-ID"] {
            let position = parameters.position(("Last-Event-ID", last.trimmingASCIIWhitespace()),
                                               "an event position (the id: of the last event received)")
            if query.after == nil { query.after = position }  // ?after= wins when both are given
        }
        try parameters.check()
        return query
    }

    func matches(type: String, subject eventSubject: String) -> Bool {
        (types.isEmpty || types.contains { type.hasPrefix($0) }) && (subject.map { eventSubject.hasPrefix($0) } ?? true)
    }

    /// One round trip: where the feed starts (column 0 of every row), up to `limit` events after
    /// the cursor that pass the filters (columns 1-4: id, type, subject, the CloudEvent text), and
    /// the newest position this snapshot sees (column 5). Positions are taken in commit order, so
    /// a reader that got fewer than `limit` events has seen everything up to that head: it goes on
    /// from there instead of scanning the same non-matching events again.
    static let sql = """
        SELECT h.deleted_through, e.id, e.type, e.aggregateid, e.payload::text, h.head
        FROM (SELECT deleted_through, (SELECT coalesce(max(id), 0) FROM events) AS head FROM events_horizon) h
        LEFT JOIN LATERAL (
            SELECT id, type, aggregateid, payload FROM events
            WHERE id > greatest(coalesce($1::bigint, 0), h.deleted_through)
              AND ($2::text[] IS NULL OR EXISTS (SELECT 1 FROM unnest($2::text[]) AS p(prefix) WHERE starts_with(type, p.prefix)))
              AND ($3::text IS NULL OR starts_with(aggregateid, $3))
            ORDER BY id
            LIMIT $4) e ON true
        ORDER BY e.id
        """

    var parameters: [PostgresEncodable?] {
        [after, types.isEmpty ? nil : PostgresArray(types), subject, limit]
    }

    /// The link to the page after `position`, with the same filters.
    func next(after position: Int64) -> String {
        var link = "/events?after=\(position)"
        if given.contains("limit") { link += "&limit=\(limit)" }
        if !types.isEmpty { link += "&types=" + PercentEncoding.encode(types.joined(separator: ",")) }
        if let subject { link += "&subject=" + PercentEncoding.encode(subject) }
        if given.contains("wait") { link += "&wait=\(wait == wait.rounded() ? String(Int(wait)) : String(wait))" }
        return link
    }
}

