import HTTP
import Postgres
import Routing

/// What a reader asks of the feed: `GET /events?after=&limit=&types=&subject=&wait=`.
struct FeedQuery {
    /// Events after this position; nil: from the oldest kept.
    var after: Int64?
    var limit = 100
    /// Type prefixes (`insikt.airport.`); empty: every type.
    var types: [String] = []
    /// Subject prefix in whole segments (`/imports/3`: not `/imports/31`).
    var subject: String?
    /// `types` and `subject` as matched in memory (the hub's readers).
    var filter = EventFilter(types: [], subjects: [])
    /// Seconds to hold a request that finds nothing newer (long poll).
    var wait = 0.0
    /// The names given, to repeat them in `next`.
    var given: Set<String> = []

    static let maxWait = 60.0

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
                var seen = Set<String>()
                query.types = item.value.split(separator: ",").map { String($0) }.filter { !$0.isEmpty && seen.insert($0).inserted }
                if query.types.count > EventFilter.maxTypes || query.types.contains(where: { $0.utf8.count > EventFilter.maxLength }) {
                    parameters.refuse("types", "must be at most \(EventFilter.maxTypes) comma-separated type prefixes of at most \(EventFilter.maxLength) bytes, such as insikt.airport.,insikt.import.created")
                    query.types = []
                }
            case "subject":
                if let prefix = EventFilter.subjectPrefix(item.value), prefix.utf8.count <= EventFilter.maxLength { query.subject = prefix } else {
                    parameters.refuse("subject", "must be a path prefix of whole segments such as /imports/3 (it matches /imports/3 and /imports/3/citizens/1, not /imports/31; /imports/3/ only what is below /imports/3), at most \(EventFilter.maxLength) bytes")
                }
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
        query.filter = EventFilter(types: query.types, subjects: query.subject.map { [$0] } ?? [])
        return query
    }

    func matches(type: String, subject eventSubject: String) -> Bool {
        filter.matches(type: type, subject: eventSubject)
    }

    /// One round trip: where the feed starts (`deleted_through`, in every row), up to `limit` events
    /// after the cursor that pass the filters (`id`, `type`, `aggregateid`: the subject, `payload`:
    /// the CloudEvent text), and the newest position this snapshot sees (`head`). Positions are taken in commit order, so
    /// a reader that got fewer than `limit` events has seen everything up to that head: it goes on
    /// from there instead of scanning the same non-matching events again.
    static let sql = """
        SELECT h.deleted_through, e.id, e.type, e.aggregateid, e.payload::text AS payload, h.head
        FROM (SELECT deleted_through, (SELECT coalesce(max(id), 0) FROM events) AS head FROM events_horizon) h
        LEFT JOIN LATERAL (
            SELECT id, type, aggregateid, payload FROM events
            WHERE id > greatest(coalesce($1::bigint, 0), h.deleted_through)
              AND ($2::text[] IS NULL OR EXISTS (SELECT 1 FROM unnest($2::text[]) AS p(prefix) WHERE starts_with(type, p.prefix)))
              AND ($3::text IS NULL OR \(EventFilter.subjectSQL("$3")))
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

