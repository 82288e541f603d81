import Identity
import JSON
import Postgres

/// The one way a change becomes an event: inside the transaction that makes the change, so a
/// rolled-back change leaves no event and a committed one always has its event (events.md).
public enum EventOutbox {
    /// The channel a commit with events notifies; the feed's listeners wake on it.
    public static let channel = "insikt_events"
    /// The advisory lock that serialises the writers' positions (an arbitrary constant: "INSIKTEV").
    static let lockKey: Int64 = 0x494E_5349_4B54_4556

    /// Records one event. `data` is the event's `data` member as JSON text; `time` (a timestamp
    /// PostgreSQL reads) is when it happened, the clock at this call when nil.
    /// The lock is held until the transaction ends, so record events last, right before commit:
    /// positions are then taken in commit order and a reader never sees a smaller one later.
    public static func record(_ connection: PostgresConnection, type: String, subject: String, aggregateType: String,
                              data: [UInt8], origin: EventOrigin?, time: String? = nil) throws {
        _ = try connection.query(insert, [aggregateType, subject, type, String(decoding: extensions(origin), as: UTF8.self),
                                          String(decoding: data, as: UTF8.self), origin?.traceparent, time])
    }

    /// The CloudEvents extension attributes of an origin, each a string as CloudEvents 1.0 wants:
    /// `actorid`, `actorname`, and `traceparent` (the distributed-tracing extension); each left
    /// out when unknown. Written after a comma.
    static func extensions(_ origin: EventOrigin?) -> [UInt8] {
        var w = JSONWriter(capacity: 128)
        if let actor = origin?.actor {
            w.raw(",\"actorid\":"); w.string(actor.id)
            w.raw(",\"actorname\":"); w.string(actor.name)
        }
        if let traceparent = origin?.traceparent { w.raw(",\"traceparent\":"); w.string(traceparent) }
        return w.bytes
    }

    /// The CloudEvent is written as compact JSON text once, here; the feed serves it as stored.
    static let insert = """
        WITH locked AS (SELECT pg_advisory_xact_lock(\(lockKey))),
             next AS (SELECT nextval('events_id_seq') AS id, coalesce($7::timestamptz, clock_timestamp()) AS at FROM locked),
             stored AS (
                INSERT INTO events (id, aggregatetype, aggregateid, type, payload, traceparent, created_at)
                SELECT id, $1, $2, $3, ('{"specversion":"1.0","id":"' || id || '","source":"/insikt","type":' || to_json($3::text)
                    || ',"subject":' || to_json($2::text)
                    || ',"time":"' || to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
                    || '","datacontenttype":"application/json"' || $4 || ',"data":' || $5 || '}')::json, $6, at
                FROM next
                RETURNING id)
        SELECT pg_notify('\(channel)', id::text) FROM stored
        """
}
