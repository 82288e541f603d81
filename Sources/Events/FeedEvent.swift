import Postgres

/// One stored event as the feed serves it: its position, what filters look at, and its
/// CloudEvent JSON text as stored.
struct FeedEvent {
    let id: Int64
    let type: String
    let subject: String
    let json: [UInt8]

    /// The rows of `FeedQuery.sql` (or of a fetch with its first five columns): the horizon, the
    /// newest position seen (0 when the query does not read it) and the events.
    static func read(_ result: PostgresResult) -> (horizon: Int64, head: Int64, events: [FeedEvent]) {
        var horizon: Int64 = 0
        var head: Int64 = 0
        var events: [FeedEvent] = []
        events.reserveCapacity(result.rowCount)
        for row in 0..<result.rowCount {
            horizon = result.int(row, 0) ?? 0
            if result.columnCount > 5 { head = result.int(row, 5) ?? 0 }
            guard let id = result.int(row, 1) else { continue }
            events.append(FeedEvent(id: id, type: result.string(row, 2) ?? "", subject: result.string(row, 3) ?? "",
                                    json: result.withBytes(row, 4) { Array($0) }))
        }
        return (horizon, head, events)
    }

    /// The event as one Server-Sent Events message.
    var serverSentEvent: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(json.count + type.utf8.count + 40)
        out.append(contentsOf: "id: \(id)\nevent: \(type)\ndata: ".utf8)
        out.append(contentsOf: json)
        out.append(contentsOf: "\n\n".utf8)
        return out
    }
}
