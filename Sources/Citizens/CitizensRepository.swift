import Dates
import Identity
import JSON
import Outbox
import Postgres

/// All SQL of the citizens domain. Every read is one range scan of the citizens primary key
/// (import_id, citizen_id), so plans do not depend on statistics of freshly written rows.
public struct CitizensRepository: Sendable {
    public enum Failure: Error, Equatable {
        case importNotFound
        case citizenNotFound
        case unknownRelatives([Int64])
    }

    let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    static let selectColumns = "citizen_id, town, street, building, apartment, name, birth_date, gender, relatives"

    /// Stores an import in one transaction and returns its id. `produce` hands citizens to the
    /// writer it is given as it finds them (they stream into COPY); if it throws, nothing is stored.
    /// Its `insikt.import.created` event is written in the same transaction; `beforeCommit` runs
    /// last in it, with the import's id (a job records its success in the same commit).
    public func createImport(origin: EventOrigin?, beforeCommit: (PostgresConnection, Int64) throws -> Void = { _, _ in },
                             _ produce: (_ store: (Citizen) throws -> Void) throws -> Void) throws -> Int64 {
        try pool.transaction { connection in
            let importId = try connection.query("INSERT INTO imports DEFAULT VALUES RETURNING import_id").row(0).int("import_id") ?? 0
            let prefix = Array("\(importId)\t".utf8)
            let stored = try connection.copyIn("COPY citizens (import_id, \(CitizensRepository.selectColumns)) FROM STDIN") { writer in
                try produce { citizen in
                    try writer.append { line in
                        line.append(contentsOf: prefix)
                        CopyText.int(citizen.citizenId, to: &line); line.append(0x09)
                        CopyText.string(citizen.town, to: &line); line.append(0x09)
                        CopyText.string(citizen.street, to: &line); line.append(0x09)
                        CopyText.string(citizen.building, to: &line); line.append(0x09)
                        CopyText.int(citizen.apartment, to: &line); line.append(0x09)
                        CopyText.string(citizen.name, to: &line); line.append(0x09)
                        CopyText.date(citizen.birthDate, to: &line); line.append(0x09)
                        line.append(contentsOf: citizen.gender.utf8); line.append(0x09)
                        CopyText.intArray(citizen.relatives, to: &line)
                        line.append(0x0A)
                    }
                }
            }
            // GET /imports shows the count; this COPY is the only writer of citizens, so the
            // count set here stays right.
            if stored > 0 {
                try connection.query("UPDATE imports SET citizen_count = $2 WHERE import_id = $1", [importId, Int64(stored)])
            }
            var data = JSONWriter(capacity: 48)
            data.raw("{\"import_id\":"); data.int(importId); data.raw(",\"citizens\":"); data.int(stored); data.raw("}")
            try EventOutbox.record(connection, type: "insikt.import.created", subject: "/imports/\(importId)", aggregateType: "import",
                                   data: data.bytes, origin: origin)
            try beforeCommit(connection, importId)
            return importId
        }
    }

    /// One import's summary; nil when there is no such import.
    public func importSummary(_ importId: Int64) throws -> ImportSummary? {
        try listImports(before: importId + 1, limit: 1).first { $0.importId == importId }
    }

    /// A page of imports, newest first: those with ids below `before` (all when nil), at most `limit`.
    public func listImports(before: Int64?, limit: Int) throws -> [ImportSummary] {
        try pool.retrying {
            try pool.withConnection { connection in
                // `<=` with before - 1, so no sentinel id is needed when there is no `before`.
                let result = try connection.query("""
                    SELECT import_id, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at, citizen_count
                    FROM imports WHERE import_id <= $1 ORDER BY import_id DESC LIMIT $2
                    """, [before.map { $0 - 1 } ?? Int64.max, limit])
                let importId = try result.column("import_id"), createdAt = try result.column("created_at"),
                    citizens = try result.column("citizen_count")
                return result.rows.map { row in
                    ImportSummary(importId: row.int(importId)!, createdAt: row.string(createdAt)!, citizens: row.int(citizens)!)
                }
            }
        }
    }

    public func importExists(_ importId: Int64) throws -> Bool {
        try pool.retrying { try pool.withConnection { try importExists(importId, $0) } }
    }

    /// The citizens of an import by id, in batches (keyset), all from one snapshot so concurrent
    /// patches cannot tear relatives apart between batches. The first batch is small so the
    /// answer can start at once.
    public func streamCitizens(importId: Int64, _ body: (CitizenRows) throws -> Void) throws {
        try pool.transaction(isolation: "REPEATABLE READ READ ONLY", retry: false) { connection in
            var after: Int64 = -1
            var batch = 256
            while true {
                let result = try connection.query("""
                    SELECT \(CitizensRepository.selectColumns) FROM citizens
                    WHERE import_id = $1 AND citizen_id > $2 ORDER BY citizen_id LIMIT $3
                    """, [importId, after, batch])
                let rows = try CitizenRows(result)
                if rows.count > 0 { try body(rows) }
                if rows.count < batch { return }
                after = result.row(rows.count - 1).int(rows.citizenId)!
                batch = 4096
            }
        }
    }

    /// (citizen_id, birth month, relatives) of every citizen of an import. The month is read from
    /// the date's ISO text (YYYY-MM-DD): `extract(month ...)` in the query doubled its time.
    public func birthdayInputs(importId: Int64) throws -> [(id: Int64, month: Int, relatives: [Int64])] {
        try withCitizensQuery("SELECT citizen_id, birth_date, relatives FROM citizens WHERE import_id = $1", importId) { result in
            let id = try result.column("citizen_id"), birthDate = try result.column("birth_date"), relatives = try result.column("relatives")
            return result.rows.map { row in
                let month = row.withBytes(birthDate) { Int($0[5] &- 0x30) * 10 + Int($0[6] &- 0x30) }
                return (row.int(id)!, month, CopyText.parseIntArray(row, relatives))
            }
        }
    }

    /// The ages on `today` of every citizen, grouped by town (compared as bytes, so as code points
    /// without normalisation) and ordered by town. Grouped here rather than in SQL: sorting the
    /// rows by town inside PostgreSQL cost more than the whole computation does in Swift.
    public func agesByTown(importId: Int64, today: CivilDate) throws -> [(town: String, ages: [Int])] {
        try withCitizensQuery("SELECT town, birth_date FROM citizens WHERE import_id = $1", importId) { result in
            let todayNumber = today.year * 10000 + today.month * 100 + today.day
            var groups = TownGroups()
            let town = try result.column("town"), birthDate = try result.column("birth_date")
            for row in result.rows {
                let age = row.withBytes(birthDate) { iso -> Int in
                    // YYYY-MM-DD; full years are (today - birth) / 10000 on YYYYMMDD numbers.
                    var number = 0
                    for b in iso where b != UInt8(ascii: "-") { number = number * 10 + Int(b &- 0x30) }
                    return (todayNumber - number) / 10000
                }
                row.withBytes(town) { groups.add(age, to: $0) }
            }
            return zip(groups.towns, groups.values)
                .sorted { $0.0.lexicographicallyPrecedes($1.0) }
                .map { (String(decoding: $0.0, as: UTF8.self), $0.1) }
        }
    }

    /// Applies a patch in one transaction, keeping relatives symmetric. The import's row is locked
    /// first, so concurrent patches of one import run one after another.
    /// Its `insikt.citizen.updated` event is written in the same transaction.
    public func patch(importId: Int64, citizenId: Int64, _ patch: CitizenPatch, origin: EventOrigin?) throws -> Citizen {
        try pool.transaction { connection in
            let locked = try connection.query("SELECT 1 FROM imports WHERE import_id = $1 FOR UPDATE", [importId])
            guard locked.rowCount == 1 else { throw Failure.importNotFound }
            // A statement of its own, after the lock: its snapshot sees every patch committed
            // before ours. (Read in the locking statement, the relatives could be stale: waiting
            // for a lock refreshes only the locked row.)
            let current = try connection.query(
                "SELECT relatives FROM citizens WHERE import_id = $1 AND citizen_id = $2", [importId, citizenId])
            guard current.rowCount == 1 else { throw Failure.citizenNotFound }

            var removed: [Int64] = []
            var added: [Int64] = []
            if let wanted = patch.relatives {
                let others = wanted.filter { $0 != citizenId }
                if !others.isEmpty {
                    let found = try connection.query(
                        "SELECT citizen_id FROM citizens WHERE import_id = $1 AND citizen_id = ANY($2::bigint[])",
                        [importId, PostgresArray(others)])
                    if found.rowCount != others.count {
                        let id = try found.column("citizen_id")
                        let existing = Set(found.rows.map { $0.int(id)! })
                        throw Failure.unknownRelatives(others.filter { !existing.contains($0) })
                    }
                }
                let old = Set(CopyText.parseIntArray(current.row(0), try current.column("relatives")))
                let new = Set(wanted)
                removed = old.subtracting(new).subtracting([citizenId]).sorted()
                added = new.subtracting(old).subtracting([citizenId]).sorted()
            }
            // The three updates touch disjoint rows (the citizen, the relatives it loses, the ones
            // it gains), so one statement with data-modifying CTEs can do them all.
            let updated = try connection.query("""
                WITH lost AS (
                    UPDATE citizens SET relatives = array_remove(relatives, $2)
                    WHERE import_id = $1 AND citizen_id = ANY($11::bigint[])
                ), gained AS (
                    UPDATE citizens SET relatives = ARRAY(SELECT DISTINCT r FROM unnest(relatives || $2::bigint) AS r ORDER BY r)
                    WHERE import_id = $1 AND citizen_id = ANY($12::bigint[])
                )
                UPDATE citizens SET
                    town = coalesce($3, town), street = coalesce($4, street), building = coalesce($5, building),
                    apartment = coalesce($6, apartment), name = coalesce($7, name),
                    birth_date = coalesce($8::date, birth_date), gender = coalesce($9, gender),
                    relatives = coalesce($10::bigint[], relatives)
                WHERE import_id = $1 AND citizen_id = $2
                RETURNING \(CitizensRepository.selectColumns)
                """, [importId, citizenId, patch.town, patch.street, patch.building, patch.apartment, patch.name,
                      patch.birthDate?.iso, patch.gender, patch.relatives.map { PostgresArray($0) },
                      PostgresArray(removed), PostgresArray(added)])
            let citizen = try CitizenRows(updated).citizen(0)
            var data = JSONWriter(capacity: 512)
            CitizenJSON.write(citizen, to: &data)
            data.bytes.removeLast()  // the closing brace: relatives_changed joins the citizen's members
            data.raw(",\"relatives_changed\":[")
            for (i, relative) in (removed + added).sorted().enumerated() {
                if i > 0 { data.raw(",") }
                data.int(relative)
            }
            data.raw("]}")
            try EventOutbox.record(connection, type: "insikt.citizen.updated", subject: "/imports/\(importId)/citizens/\(citizenId)",
                                   aggregateType: "citizen", data: data.bytes, origin: origin)
            return citizen
        }
    }

    private func withCitizensQuery<T>(_ sql: String, _ importId: Int64, _ body: (PostgresResult) throws -> T) throws -> T {
        try pool.retrying {
            try pool.withConnection { connection in
                let result = try connection.query(sql, [importId])
                if result.rowCount == 0, try !importExists(importId, connection) { throw Failure.importNotFound }
                return try body(result)
            }
        }
    }

    private func importExists(_ importId: Int64, _ connection: PostgresConnection) throws -> Bool {
        try connection.query("SELECT 1 FROM imports WHERE import_id = $1", [importId]).rowCount == 1
    }
}

/// One import as `GET /imports` lists it.
public struct ImportSummary: Sendable, Equatable {
    public var importId: Int64
    /// ISO 8601 in UTC, microseconds.
    public var createdAt: String
    public var citizens: Int64
}

/// Rows of `selectColumns`, read without building Citizen values when the caller does not need
/// them; their columns found by name once per result.
public struct CitizenRows {
    let result: PostgresResult
    let citizenId, town, street, building, apartment, name, birthDate, gender, relatives: PostgresColumn

    init(_ result: PostgresResult) throws {
        self.result = result
        citizenId = try result.column("citizen_id"); town = try result.column("town"); street = try result.column("street")
        building = try result.column("building"); apartment = try result.column("apartment"); name = try result.column("name")
        birthDate = try result.column("birth_date"); gender = try result.column("gender"); relatives = try result.column("relatives")
    }

    public var count: Int { result.rowCount }

    public func citizen(_ index: Int) -> Citizen {
        let row = result.row(index)
        return Citizen(citizenId: row.int(citizenId)!, town: row.string(town)!, street: row.string(street)!,
                       building: row.string(building)!, apartment: row.int(apartment)!, name: row.string(name)!,
                       birthDate: CivilDate(iso: row.string(birthDate)!)!, gender: row.string(gender)!,
                       relatives: CopyText.parseIntArray(row, relatives))
    }

    /// Raw UTF-8 of a text column, for writing JSON without a String in between.
    public func withBytes<T>(_ row: Int, _ column: PostgresColumn, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        try result.row(row).withBytes(column, body)
    }
}

/// PostgreSQL's COPY text format and array literals.
enum CopyText {
    /// Decimal digits, written straight into the buffer (no String per number).
    static func int(_ value: Int64, to out: inout [UInt8]) {
        if value < 0 {
            out.append(UInt8(ascii: "-"))
            if value == Int64.min { out.append(contentsOf: "9223372036854775808".utf8); return }
        }
        var rest = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = UInt8(truncatingIfNeeded: rest % 10) + 0x30
                rest /= 10
                count += 1
            } while rest > 0
            for i in stride(from: count - 1, through: 0, by: -1) { out.append(buffer[i]) }
        }
    }

    /// YYYY-MM-DD.
    static func date(_ date: CivilDate, to out: inout [UInt8]) {
        out.append(UInt8(0x30 + date.year / 1000 % 10)); out.append(UInt8(0x30 + date.year / 100 % 10))
        out.append(UInt8(0x30 + date.year / 10 % 10)); out.append(UInt8(0x30 + date.year % 10))
        out.append(UInt8(ascii: "-"))
        out.append(UInt8(0x30 + date.month / 10)); out.append(UInt8(0x30 + date.month % 10))
        out.append(UInt8(ascii: "-"))
        out.append(UInt8(0x30 + date.day / 10)); out.append(UInt8(0x30 + date.day % 10))
    }

    /// Escapes backslash, tab, newline and carriage return.
    static func string(_ value: String, to out: inout [UInt8]) {
        var value = value
        let plain = value.withUTF8 { utf8 -> Bool in
            for b in utf8 where b == 0x5C || b == 0x09 || b == 0x0A || b == 0x0D { return false }
            out.append(contentsOf: utf8)
            return true
        }
        if plain { return }
        for b in value.utf8 {
            switch b {
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x09: out.append(0x5C); out.append(UInt8(ascii: "t"))
            case 0x0A: out.append(0x5C); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(0x5C); out.append(UInt8(ascii: "r"))
            default: out.append(b)
            }
        }
    }

    static func intArray(_ values: [Int64], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (i, v) in values.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            int(v, to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// `{1,2,3}` as PostgreSQL prints a bigint[].
    static func parseIntArray(_ row: PostgresRow, _ column: PostgresColumn) -> [Int64] {
        row.withBytes(column) { bytes in
            var values: [Int64] = []
            var current: Int64 = 0
            var inNumber = false
            for b in bytes {
                if b >= 0x30 && b <= 0x39 {
                    current = current * 10 + Int64(b - 0x30)
                    inNumber = true
                } else if inNumber {
                    values.append(current)
                    current = 0
                    inNumber = false
                }
            }
            return values
        }
    }
}
