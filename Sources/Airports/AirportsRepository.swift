import Identity
import JSON
import Outbox
import Postgres
import Routing

/// All SQL of the airports domain.
public struct AirportsRepository: Sendable {
    public enum Failure: Error, Equatable {
        case notFound
        case gone
        case preconditionFailed
        case conflict(String)
        case tokenNotFound
        case tokenGone
    }

    public struct UploadResult: Sendable {
        public let rows: Int
        public let inserted: Int
        public let updated: Int
    }

    /// A staged create or update, as the confirmation link applies it.
    public struct Staged: Sendable {
        public let kind: String
        public let airportId: Int64?
        public let fieldsJSON: String
        public let baseVersion: Int64?
        /// The key that staged it: the actor of the change when the link is followed.
        public let origin: EventOrigin?
    }

    let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    static let columnList = AirportColumn.allCases.map(\.name).joined(separator: ", ")
    static let selectColumns = columnList + ", version, "
        + ["created_at", "updated_at", "deleted_at"].map { "to_char(\($0) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS \($0)" }
            .joined(separator: ", ")

    private static let selectOne = "SELECT \(selectColumns) FROM airports WHERE id = $1"

    /// Every write takes its version from one sequence for all airports (migration 0004), so a
    /// version, and the ETag made from it, never repeats for an id: not even when the record is
    /// deleted and made again, where a count per row would start at 1 again.
    static let nextVersion = "nextval('airport_versions')"

    static func sqlType(_ column: AirportColumn) -> String {
        switch column.kind {
        case .identifier: return "bigint"
        case .integer: return "integer"
        case .latitude, .longitude, .number: return "double precision"
        case .text, .dst: return "text"
        }
    }

    // MARK: upload

    /// Runs `produce` (which writes COPY text lines for the CSV columns and returns the row count)
    /// into a staging table, then upserts by id, all in one transaction. Rows whose values do not
    /// change keep their version; delete-flagged rows in the file are revived.
    /// One `insikt.airports.uploaded` event when rows changed, in the same transaction;
    /// `beforeCommit` runs last in it (a job records its success in the same commit).
    public func upload(origin: EventOrigin?, beforeCommit: (PostgresConnection, UploadResult) throws -> Void = { _, _ in },
                       _ produce: (CopyWriter) throws -> Int) throws -> UploadResult {
        try pool.transaction(retry: false) { connection in
            let result = try uploadRows(connection, produce)
            if result.inserted + result.updated > 0 {
                var data = JSONWriter(capacity: 64)
                data.raw("{\"rows\":"); data.int(result.rows)
                data.raw(",\"inserted\":"); data.int(result.inserted)
                data.raw(",\"updated\":"); data.int(result.updated); data.raw("}")
                try EventOutbox.record(connection, type: "insikt.airports.uploaded", subject: "/airports", aggregateType: "airports",
                                       data: data.bytes, origin: origin)
            }
            try beforeCommit(connection, result)
            return result
        }
    }

    private func uploadRows(_ connection: PostgresConnection, _ produce: (CopyWriter) throws -> Int) throws -> UploadResult {
        do {
            if try isEmptyUnderLock(connection) {
                // The first load: nothing to merge with, so the rows go straight into the table
                // (the staging table and upsert cost PostgreSQL twice the work).
                var rows = 0
                try connection.copyIn("COPY airports (\(AirportsRepository.columnList)) FROM STDIN") { writer in
                    rows = try produce(writer)
                }
                try bumpIdSequence(connection, to: "(SELECT max(id) FROM airports)")
                return UploadResult(rows: rows, inserted: rows, updated: 0)
            }
            try connection.execute("""
                CREATE TEMP TABLE airports_upload (\(AirportColumn.allCases.map { "\($0.name) \(AirportsRepository.sqlType($0))" }
                    .joined(separator: ", "))) ON COMMIT DROP
                """)
            var rows = 0
            try connection.copyIn("COPY airports_upload (\(AirportsRepository.columnList)) FROM STDIN") { writer in
                rows = try produce(writer)
            }
            // Before the rows are written, so a server-picked id drawn from now on passes them.
            try bumpIdSequence(connection, to: "(SELECT max(id) FROM airports_upload)")
            // An UPDATE joined with the staging table, then an INSERT of the ids not there yet:
            // twice as fast as one INSERT ... ON CONFLICT, which tries and fails an insert for
            // every row that exists. The INSERT keeps ON CONFLICT for an upload running alongside.
            let data = AirportColumn.allCases.dropFirst().map(\.name)
            let changed = "(\(data.map { "a.\($0)" }.joined(separator: ", "))) IS DISTINCT FROM (\(data.map { "u.\($0)" }.joined(separator: ", ")))"
            let updated = try connection.query("""
                UPDATE airports AS a SET \(data.map { "\($0) = u.\($0)" }.joined(separator: ", ")),
                    version = \(AirportsRepository.nextVersion), updated_at = now(), deleted_at = NULL
                FROM airports_upload AS u
                WHERE a.id = u.id AND (\(changed) OR a.deleted_at IS NOT NULL)
                """).affectedRows
            let counts = try connection.query("""
                WITH upserted AS (
                    INSERT INTO airports AS a (\(AirportsRepository.columnList))
                    SELECT \(AirportsRepository.columnList) FROM airports_upload AS u
                    WHERE NOT EXISTS (SELECT 1 FROM airports WHERE airports.id = u.id)
                    ON CONFLICT (id) DO UPDATE SET \(data.map { "\($0) = EXCLUDED.\($0)" }.joined(separator: ", ")),
                        version = \(AirportsRepository.nextVersion), updated_at = now(), deleted_at = NULL
                    WHERE (\(data.map { "a.\($0)" }.joined(separator: ", "))) IS DISTINCT FROM
                          (\(data.map { "EXCLUDED.\($0)" }.joined(separator: ", "))) OR a.deleted_at IS NOT NULL
                    RETURNING (xmax = 0) AS inserted
                )
                SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated FROM upserted
                """).row(0)
            return UploadResult(rows: rows, inserted: Int(try counts.int("inserted") ?? 0), updated: updated + Int(try counts.int("updated") ?? 0))
        }
    }

    /// The airport event of a change, with the airport after it (`{"id"}` when it is gone).
    private func record(_ connection: PostgresConnection, _ change: String, id: Int64, row: AirportRows?, origin: EventOrigin?) throws {
        var data = JSONWriter(capacity: 512)
        if let row {
            AirportJSON.write(row, row: 0, to: &data)
        } else {
            data.raw("{\"id\":"); data.int(id); data.raw("}")
        }
        try EventOutbox.record(connection, type: "insikt.airport.\(change)", subject: "/airports/\(id)", aggregateType: "airport",
                               data: data.bytes, origin: origin)
    }

    /// A created airport's event, then the row.
    private func created(_ connection: PostgresConnection, _ row: AirportRows, origin: EventOrigin?) throws -> AirportRows {
        try record(connection, "created", id: row.id(0) ?? 0, row: row, origin: origin)
        return row
    }

    /// An updated airport's event when the update changed it, then the row.
    private func updated(_ connection: PostgresConnection, _ update: (row: AirportRows, changed: Bool), origin: EventOrigin?) throws -> AirportRows {
        if update.changed { try record(connection, "updated", id: update.row.id(0) ?? 0, row: update.row, origin: origin) }
        return update.row
    }

    /// True when the table is empty, and then it stays so until this transaction ends: the lock
    /// (writers wait, readers do not) is taken only when the table looked empty, so uploads into a
    /// busy table never hold it.
    private func isEmptyUnderLock(_ connection: PostgresConnection) throws -> Bool {
        let isEmpty = "SELECT NOT EXISTS (SELECT 1 FROM airports) AS empty"
        guard try connection.query(isEmpty).row(0).bool("empty") == true else { return false }
        try connection.execute("LOCK TABLE airports IN SHARE ROW EXCLUSIVE MODE")
        return try connection.query(isEmpty).row(0).bool("empty") == true
    }

    /// Keeps the sequence of server-picked ids above every id written explicitly.
    private func bumpIdSequence(_ connection: PostgresConnection, to expression: String, _ parameters: [PostgresEncodable?] = []) throws {
        try connection.query("""
            SELECT setval('airport_ids', greatest(\(expression), (SELECT last_value FROM airport_ids), 1))
            """, parameters)
    }

    // MARK: reads

    public struct Filters: Sendable {
        public var country: String?
        public var city: String?
        public var iata: String?
        public var icao: String?
        public var nameContains: String?
        public var includeDeleted = false
        public var after: Int64 = -1
        public var limit = 100

        public init() {}
    }

    /// One page of airports by id; `limit + 1` rows are read to tell whether another page follows.
    public func list(_ filters: Filters, _ body: (AirportRows) throws -> Void) throws {
        try pool.retrying {
            try pool.withConnection { connection in
                var parameters: [PostgresEncodable?] = [filters.after, filters.limit + 1]
                let conditions = ["id > $1"] + AirportsRepository.filterConditions(filters, &parameters)
                let result = try connection.query("""
                    SELECT \(AirportsRepository.selectColumns) FROM airports
                    WHERE \(conditions.joined(separator: " AND "))
                    ORDER BY id LIMIT $2
                    """, parameters)
                try body(try AirportRows(result))
            }
        }
    }

    /// The conditions of the filters given (none for those not given, so a generic plan of the
    /// statement is estimated as well as a custom one), their values appended to `parameters`.
    static func filterConditions(_ filters: Filters, _ parameters: inout [PostgresEncodable?]) -> [String] {
        var conditions = filters.includeDeleted ? [] : ["deleted_at IS NULL"]
        func add(_ value: String?, _ condition: (String) -> String) {
            guard let value else { return }
            parameters.append(value)
            conditions.append(condition("$\(parameters.count)::text"))
        }
        add(filters.country) { "lower(country) = lower(\($0))" }
        add(filters.city) { "lower(city) = lower(\($0))" }
        add(filters.iata) { "lower(iata) = lower(\($0))" }
        add(filters.icao) { "lower(icao) = lower(\($0))" }
        add(filters.nameContains) { "strpos(lower(name), lower(\($0))) > 0" }
        return conditions
    }

    /// A page of airports nearest first (then by id), as `nearStatement` reads it: the row's
    /// columns, then `distance_m` (the cursor's) and `distance_km` (reported).
    public func listNear(_ filters: Filters, _ near: NearQuery, _ body: (AirportRows) throws -> Void) throws {
        let statement = AirportsRepository.nearStatement(filters, near)
        try pool.retrying {
            try pool.withConnection { connection in
                try body(try AirportRows(try connection.query(statement.sql, statement.parameters)))
            }
        }
    }

    /// The SQL and parameters of a page by distance; public so a test can EXPLAIN exactly this.
    ///
    /// The index answers both parts: `ORDER BY geog <-> $1` is a KNN scan of the GiST index (the
    /// point a bound parameter), the radius a scan of its boxes (`&&`). The order is (distance, id),
    /// but an index ordered by `<->` cannot give a second key, so the inner query takes the
    /// nearest `limit + 1` WITH TIES (every airport as near as the last one taken) and the outer one
    /// orders those by distance and id: the same rows as a full sort, at the cost of an index walk.
    /// The cursor is a keyset on (distance, id); pages after it still walk the index from the
    /// nearest airport, skipping the rows before the cursor.
    public static func nearStatement(_ filters: Filters, _ near: NearQuery) -> (sql: String, parameters: [PostgresEncodable?]) {
        var parameters: [PostgresEncodable?] = [near.pointParameter, filters.limit + 1]
        var conditions = filterConditions(filters, &parameters)
        if let km = near.withinKm {
            parameters.append(km * 1000)
            let radius = "$\(parameters.count)::float8"
            // What ST_DWithin(geog, $1, radius, false) does, written out: the box test the GiST
            // index answers (the very condition ST_DWithin's planner support adds), then the sphere
            // distance, the one ordered by and reported. Not ST_DWithin itself: PostGIS 3.3 estimates
            // it at 0.01 % of the rows whatever the radius, so for a large radius the planner sorts
            // every airport within it (2.9 s for within_km=20000 on 1,000,000 airports, against
            // 0.9 ms for this form, which the box's statistics estimate well enough to walk the
            // index nearest first).
            conditions.append("geog && _ST_Expand($1::geography, \(radius)) AND geog <-> $1::geography <= \(radius)")
        }
        if let cursor = near.cursor {
            parameters.append(cursor.distanceMetres)
            parameters.append(cursor.id)
            conditions.append("(geog <-> $1::geography, id) > ($\(parameters.count - 1)::float8, $\(parameters.count)::bigint)")
        }
        let sql = """
            SELECT * FROM (
                SELECT \(selectColumns), geog <-> $1::geography AS distance_m, (geog <-> $1::geography) / 1000 AS distance_km
                FROM airports
                WHERE \(conditions.isEmpty ? "true" : conditions.joined(separator: " AND "))
                ORDER BY geog <-> $1::geography
                FETCH FIRST $2 ROWS WITH TIES
            ) AS nearest
            ORDER BY distance_m, id
            LIMIT $2
            """
        return (sql, parameters)
    }

    /// One airport, delete-flagged or not, read on an event loop's own connection; fails with
    /// `Failure.notFound`.
    public func get(_ id: Int64, on connection: PipelinedConnection,
                    _ completion: @escaping (Result<AirportRows, Error>) -> Void) {
        connection.query(AirportsRepository.selectOne, [id]) { outcome in
            completion(outcome.mapError { $0 as Error }.flatMap { result in
                result.rowCount == 1 ? Result { try AirportRows(result) } : .failure(Failure.notFound)
            })
        }
    }

    // MARK: writes

    /// Creates an airport with an id the server picks. Returns the stored row.
    public func create(_ fields: AirportFields, origin: EventOrigin?) throws -> AirportRows {
        try pool.transaction { connection in try created(connection, try insertPickingId(connection, fields), origin: origin) }
    }

    private static let insertSQL: String = {
        let data = Array(AirportColumn.allCases.dropFirst())
        return """
            INSERT INTO airports (\(columnList))
            VALUES (coalesce($1::bigint, nextval('airport_ids')), \(data.enumerated().map { "$\($0.offset + 2)::\(sqlType($0.element))" }.joined(separator: ", ")))
            ON CONFLICT (id) DO NOTHING
            RETURNING \(selectColumns)
            """
    }()

    private static func insertValues(_ fields: AirportFields, id: Int64?) -> [PostgresEncodable?] {
        [id] + AirportColumn.allCases.dropFirst().map { fields[$0]?.parameter }
    }

    /// Inserts with the next id of `airport_ids`. Writers of explicit ids move that sequence past
    /// their ids before inserting, but the two steps are not atomic: a pick drawn just before an
    /// upload's or a PUT's move can land on an id that writer holds. ON CONFLICT DO NOTHING waits
    /// for that writer to end and yields no row instead of aborting the transaction; the sequence is
    /// then moved past every committed id and the pick is made again. So a client that sent no id
    /// never gets a 409; each extra pick needs another writer of exactly that id at that moment.
    private func insertPickingId(_ connection: PostgresConnection, _ fields: AirportFields) throws -> AirportRows {
        let values = AirportsRepository.insertValues(fields, id: nil)
        for _ in 0..<100 {
            let result = try connection.query(AirportsRepository.insertSQL, values)
            if result.rowCount == 1 { return try AirportRows(result) }
            try bumpIdSequence(connection, to: "(SELECT max(id) FROM airports)")
        }
        // Not seen in practice; as a serialization failure the pool runs the transaction again.
        throw PostgresError(kind: .server, sqlState: "40001", message: "no free airport id after 100 picks")
    }

    /// Inserts with the given id; nil when a record has it (one committed by a writer running at
    /// the same time included: its end is waited for).
    private func insert(_ connection: PostgresConnection, _ fields: AirportFields, id: Int64) throws -> AirportRows? {
        try bumpIdSequence(connection, to: "$1::bigint", [id])
        let result = try connection.query(AirportsRepository.insertSQL, AirportsRepository.insertValues(fields, id: id))
        return result.rowCount == 1 ? try AirportRows(result) : nil
    }

    /// PUT: replaces the whole record (reviving a delete-flagged one) or creates it with that id.
    public func replace(_ id: Int64, _ fields: AirportFields, ifMatch: String?, origin: EventOrigin?) throws -> (AirportRows, created: Bool) {
        try pool.transaction { connection in
            // A second round when another writer created the id between the look and the insert:
            // then this PUT replaces that record, as it would have a moment later.
            for _ in 0..<3 {
                let current = try connection.query("SELECT version FROM airports WHERE id = $1 FOR UPDATE", [id])
                if let ifMatch {
                    guard current.rowCount == 1, let version = try current.row(0).int("version"), ETag.matches(ifMatch, version: version) else {
                        throw Failure.preconditionFailed
                    }
                }
                if current.rowCount == 0 {
                    if let row = try insert(connection, fields, id: id) { return (try created(connection, row, origin: origin), true) }
                    continue
                }
                var complete = fields
                for column in AirportColumn.allCases.dropFirst() where complete[column] == nil { complete.set(column, .null) }
                return (try updated(connection, try update(connection, id, complete, reviving: true), origin: origin), false)
            }
            // Created and deleted again by others each time: as a serialization failure the pool runs the PUT again.
            throw PostgresError(kind: .server, sqlState: "40001", message: "airport \(id) kept being created and deleted by other requests")
        }
    }

    /// PATCH (JSON merge patch): changes the given columns. Delete-flagged airports are gone (410).
    public func change(_ id: Int64, _ fields: AirportFields, ifMatch: String?, origin: EventOrigin?) throws -> AirportRows {
        try pool.transaction { connection in
            let current = try connection.query("SELECT version, deleted_at IS NOT NULL AS deleted FROM airports WHERE id = $1 FOR UPDATE", [id])
            guard current.rowCount == 1 else { throw Failure.notFound }
            if try current.row(0).bool("deleted") == true { throw Failure.gone }
            let version = try current.row(0).int("version") ?? 0
            if let ifMatch, !ETag.matches(ifMatch, version: version) { throw Failure.preconditionFailed }
            return try updated(connection, try update(connection, id, fields, reviving: false), origin: origin)
        }
    }

    /// Sets the given columns; version and updated_at move only when something changed.
    private func update(_ connection: PostgresConnection, _ id: Int64, _ fields: AirportFields,
                        reviving: Bool) throws -> (row: AirportRows, changed: Bool) {
        let columns = AirportColumn.allCases.dropFirst().filter { fields[$0] != nil }
        if columns.isEmpty && !reviving {
            return (try AirportRows(try connection.query("SELECT \(AirportsRepository.selectColumns) FROM airports WHERE id = $1", [id])), false)
        }
        let values: [PostgresEncodable?] = [id] + columns.map { fields[$0]!.parameter }
        let placeholders = columns.enumerated().map { "$\($0.offset + 2)::\(AirportsRepository.sqlType($0.element))" }
        let changed = columns.isEmpty ? "false"
            : "(\(columns.map(\.name).joined(separator: ", "))) IS DISTINCT FROM (\(placeholders.joined(separator: ", ")))"
        let updated = try connection.query("""
            UPDATE airports SET \(zip(columns, placeholders).map { "\($0.name) = \($1)" }.joined(separator: ", "))\(columns.isEmpty ? "" : ",")
                version = \(AirportsRepository.nextVersion), updated_at = now(), deleted_at = NULL
            WHERE id = $1 AND (\(changed)\(reviving ? " OR deleted_at IS NOT NULL" : ""))
            RETURNING \(AirportsRepository.selectColumns)
            """, values)
        if updated.rowCount == 1 { return (try AirportRows(updated), true) }
        return (try AirportRows(try connection.query("SELECT \(AirportsRepository.selectColumns) FROM airports WHERE id = $1", [id])), false)
    }

    /// DELETE: removes the record for good.
    public func delete(_ id: Int64, ifMatch: String?, origin: EventOrigin?) throws {
        try pool.transaction { connection in
            let current = try connection.query("SELECT version FROM airports WHERE id = $1 FOR UPDATE", [id])
            guard current.rowCount == 1 else { throw Failure.notFound }
            if let ifMatch, !ETag.matches(ifMatch, version: try current.row(0).int("version") ?? 0) { throw Failure.preconditionFailed }
            try connection.query("DELETE FROM airports WHERE id = $1", [id])
            try record(connection, "deleted", id: id, row: nil, origin: origin)
        }
    }

    /// Sets (`true`) or clears the delete flag; setting it twice changes nothing more.
    public func setDeleted(_ id: Int64, _ deleted: Bool, origin: EventOrigin?) throws -> AirportRows {
        try pool.transaction { connection in
            let changed = try connection.query("""
                UPDATE airports SET deleted_at = \(deleted ? "now()" : "NULL"), version = \(AirportsRepository.nextVersion), updated_at = now()
                WHERE id = $1 AND deleted_at IS \(deleted ? "" : "NOT ") NULL
                RETURNING \(AirportsRepository.selectColumns)
                """, [id])
            if changed.rowCount == 1 {
                let row = try AirportRows(changed)
                try record(connection, deleted ? "delete_flagged" : "restored", id: id, row: row, origin: origin)
                return row
            }
            let current = try connection.query("SELECT \(AirportsRepository.selectColumns) FROM airports WHERE id = $1", [id])
            guard current.rowCount == 1 else { throw Failure.notFound }
            return try AirportRows(current)
        }
    }

    // MARK: confirmation links

    /// Stores a staged change under the hash of `token`; returns when it expires (RFC 3339).
    public func stage(token: String, kind: String, airportId: Int64?, fields: String, baseVersion: Int64?,
                      lifetime: Int, origin: EventOrigin?) throws -> String {
        try pool.transaction { connection in
            try connection.query("""
                INSERT INTO airport_confirmations (token_hash, kind, airport_id, fields, base_version, expires_at, actor_id, actor_name)
                VALUES (sha256(convert_to($1, 'UTF8')), $2, $3, $4::jsonb, $5, now() + $6 * interval '1 second', $7, $8)
                RETURNING to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS expires_at
                """, [token, kind, airportId, fields, baseVersion, lifetime, origin?.actor?.id, origin?.actor?.name]).row(0).string("expires_at") ?? ""
        }
    }

    /// The current version of a live airport (for staging an update).
    public func liveVersion(_ id: Int64) throws -> Int64 {
        try pool.retrying {
            try pool.withConnection { connection in
                let result = try connection.query("SELECT version, deleted_at IS NOT NULL AS deleted FROM airports WHERE id = $1", [id])
                guard result.rowCount == 1 else { throw Failure.notFound }
                if try result.row(0).bool("deleted") == true { throw Failure.gone }
                return try result.row(0).int("version") ?? 0
            }
        }
    }

    /// Applies the change staged under `token` once: `apply` runs inside the transaction that marks
    /// the token used, and when it throws the token stays unused.
    public func confirm<T>(token: String, consume: Bool, _ apply: (Staged, PostgresConnection) throws -> T) throws -> T {
        try pool.transaction { connection in
            let found = try connection.query("""
                SELECT kind, airport_id, fields::text AS fields, base_version, expires_at < now() AS expired, used_at IS NOT NULL AS used,
                       actor_id, actor_name
                FROM airport_confirmations WHERE token_hash = sha256(convert_to($1, 'UTF8')) FOR UPDATE
                """, [token])
            guard found.rowCount == 1 else { throw Failure.tokenNotFound }
            let row = found.row(0)
            if try row.bool("expired") == true || row.bool("used") == true { throw Failure.tokenGone }
            let actorName = try row.string("actor_name")
            let staged = Staged(kind: try row.string("kind") ?? "", airportId: try row.int("airport_id"), fieldsJSON: try row.string("fields") ?? "",
                                baseVersion: try row.int("base_version"),
                                origin: try row.string("actor_id").map { EventOrigin(actor: Actor(id: $0, name: actorName ?? "")) })
            let value = try apply(staged, connection)
            if consume {
                try connection.query("UPDATE airport_confirmations SET used_at = now() WHERE token_hash = sha256(convert_to($1, 'UTF8'))", [token])
            }
            return value
        }
    }

    /// A create staged by a link, applied inside `confirm`.
    public func applyCreate(_ connection: PostgresConnection, _ fields: AirportFields, id: Int64?, origin: EventOrigin?) throws -> AirportRows {
        guard let id else { return try created(connection, try insertPickingId(connection, fields), origin: origin) }
        guard let row = try insert(connection, fields, id: id) else {
            throw Failure.conflict("An airport with id \(id) exists already.")
        }
        return try created(connection, row, origin: origin)
    }

    /// An update staged by a link, applied inside `confirm`: 409 when the airport changed since.
    public func applyUpdate(_ connection: PostgresConnection, _ id: Int64, _ fields: AirportFields, baseVersion: Int64,
                            origin: EventOrigin?) throws -> AirportRows {
        let current = try connection.query("SELECT version, deleted_at IS NOT NULL AS deleted FROM airports WHERE id = $1 FOR UPDATE", [id])
        guard current.rowCount == 1 else { throw Failure.conflict("The airport was removed since this update was staged.") }
        if try current.row(0).bool("deleted") == true { throw Failure.gone }
        guard try current.row(0).int("version") == baseVersion else { throw Failure.conflict("The airport changed since this update was staged.") }
        return try updated(connection, try update(connection, id, fields, reviving: false), origin: origin)
    }
}

/// Strong ETags from the row version: `"7"`.
public enum ETag {
    public static func value(_ version: Int64) -> String { "\"\(version)\"" }

    /// The GeoJSON representation of the same version: a strong ETag differs between the
    /// representations of one resource (RFC 9110, 8.8.3).
    public static func geoJSONValue(_ version: Int64) -> String { "\"\(version)-geo\"" }

    /// `*`, or a comma-separated list of entity tags (`"x"` or `W/"x"`), as RFC 9110 writes them.
    public static func isWellFormed(_ header: String) -> Bool {
        let trimmed = Substring(header).trimmingCharacters(in: " \t")
        if trimmed == "*" { return true }
        let tags = header.split(separator: ",", omittingEmptySubsequences: false)
        return !tags.isEmpty && tags.allSatisfy { tag in
            var t = Substring(tag.trimmingCharacters(in: " \t"))
            if t.hasPrefix("W/") { t = t.dropFirst(2) }
            return t.count >= 2 && t.first == "\"" && t.last == "\"" && !t.dropFirst().dropLast().contains("\"")
        }
    }

    /// If-Match: `*` or a list of entity tags, compared strongly; the tag of either
    /// representation of the current version matches.
    static func matches(_ header: String, version: Int64) -> Bool {
        let wanted = [value(version), geoJSONValue(version)]
        for tag in header.split(separator: ",") {
            let trimmed = tag.trimmingCharacters(in: " \t")
            if trimmed == "*" || wanted.contains(trimmed) { return true }
        }
        return false
    }
}
