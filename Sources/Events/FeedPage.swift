import HTTP

/// The JSON answer of `GET /events`: `{"data": [event...], "next": "/events?after=..."}`.
enum FeedPage {
    /// `position`: where the page began (used for `next` when it is empty).
    static func response(_ events: ArraySlice<FeedEvent>, _ query: FeedQuery, position: Int64) -> Response {
        var body: [UInt8] = []
        body.reserveCapacity(64 + events.reduce(0) { $0 + $1.json.count + 1 })
        body.append(contentsOf: "{\"data\":[".utf8)
        for (i, event) in events.enumerated() {
            if i > 0 { body.append(UInt8(ascii: ",")) }
            body.append(contentsOf: event.json)
        }
        // The feed never ends: next continues after the last event read, or where this page began.
        body.append(contentsOf: "],\"next\":\"".utf8)
        body.append(contentsOf: query.next(after: events.last?.id ?? position).utf8)
        body.append(contentsOf: "\"}".utf8)
        return .json(200, body)
    }

    /// 410 for a reader whose position was deleted by retention.
    static func gone(horizon: Int64) -> HTTPError {
        HTTPError(410, "Events up to position \(horizon) were deleted (retention); the feed now starts after it: resume with ?after=\(horizon) and re-read what you need from the API.")
    }
}
