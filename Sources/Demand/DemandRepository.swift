import Postgres

/// All SQL of the demand analysis. It reads the citizens and airports tables directly (this
/// module depends on neither domain's code) and owns `town_aliases`.
public struct DemandRepository: Sendable {
    public enum Failure: Error, Equatable {
        case importNotFound
        /// The town's name has no letter or digit that survives the matching key (e.g. "²").
        case townWithoutKey
    }

    let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    /// Residents per town and age group, grouped in PostgreSQL so only towns × groups rows travel.
    /// Ages are full years by the percentile endpoint's rule: (YYYYMMDD of as_of − YYYYMMDD of the
    /// birth) / 10000, so a 29 February birthday counts from 1 March in common years. Citizens born
    /// after as_of are not counted (they leave their town listed, with zeros). The scan is the
    /// citizens primary key range of the import: no plan depends on statistics of fresh rows.
    static let countsSQL = """
        SELECT town COLLATE "C",
               width_bucket(($3::int - (date_part('year', birth_date) * 10000 + date_part('month', birth_date) * 100
                                        + date_part('day', birth_date))::int) / 10000, $4::int[]),
               count(*) FILTER (WHERE birth_date <= $2::date),
               count(*) FILTER (WHERE birth_date <= $2::date AND cardinality(array_remove(relatives, citizen_id)) > 0)
        FROM citizens WHERE import_id = $1
        GROUP BY 1, 2 ORDER BY 1, 2
        """

    /// The live airports of each town (by position in $1): the alias's city (and country) when the
    /// town has an alias, else the town's own name, compared by place_key; `$2` narrows the
    /// country. One index probe per town (airports_live_city_key, whose collation is "C").
    static let airportsSQL = """
        SELECT t.n, a.id, a.name, a.iata, a.city, a.country
        FROM unnest($1::text[]) WITH ORDINALITY AS t(town, n)
        LEFT JOIN town_aliases al ON al.town_key = place_key(t.town)
        CROSS JOIN LATERAL (
            SELECT id, name, iata, city, country FROM airports
            WHERE deleted_at IS NULL
              AND place_key(city) COLLATE "C" = coalesce(place_key(al.city), place_key(t.town))
              AND (al.country IS NULL OR place_key(country) = place_key(al.country))
              AND ($2::text IS NULL OR place_key(country) = place_key($2::text))
        ) a
        WHERE coalesce(place_key(al.city), place_key(t.town)) <> ''
        ORDER BY t.n, a.id
        """

    public func report(importId: Int64, _ query: DemandQuery) throws -> DemandReport {
        try pool.retrying {
            try pool.withConnection { connection in
                let counted = try connection.query(DemandRepository.countsSQL, [
                    importId, query.asOf.iso, query.asOf.number, PostgresArray(query.ageGroups.bounds),
                ])
                if counted.rowCount == 0,
                   try connection.query("SELECT 1 FROM imports WHERE import_id = $1", [importId]).rowCount == 0 {
                    throw Failure.importNotFound
                }
                let counts = (0..<counted.rowCount).map { row in
                    DemandReport.CountRow(town: counted.string(row, 0) ?? "", group: Int(counted.int(row, 1) ?? 0),
                                          residents: Int(counted.int(row, 2) ?? 0), withRelatives: Int(counted.int(row, 3) ?? 0))
                }
                var towns: [String] = []
                for row in counts where towns.last != row.town { towns.append(row.town) }
                var airports: [Int: [DemandReport.Airport]] = [:]
                if !towns.isEmpty {
                    let found = try connection.query(DemandRepository.airportsSQL, [PostgresArray(towns), query.country])
                    for row in 0..<found.rowCount {
                        let town = Int(found.int(row, 0) ?? 0) - 1
                        airports[town, default: []].append(DemandReport.Airport(
                            id: found.int(row, 1) ?? 0, name: found.string(row, 2), iata: found.string(row, 3),
                            city: found.string(row, 4), country: found.string(row, 5)))
                    }
                }
                return DemandReport.assemble(asOf: query.asOf, ageGroups: query.ageGroups, counts: counts, airports: airports)
            }
        }
    }

    // MARK: Town aliases

    /// Creates or replaces the alias of `town` (of every spelling with the same place_key).
    /// Returns the alias and whether it is new.
    public func putAlias(_ alias: TownAlias) throws -> (alias: TownAlias, created: Bool) {
        do {
            return try pool.retrying {
                try pool.withConnection { connection in
                    let result = try connection.query("""
                        INSERT INTO town_aliases (town, city, country) VALUES ($1, $2, $3)
                        ON CONFLICT (town_key) DO UPDATE
                            SET town = excluded.town, city = excluded.city, country = excluded.country, updated_at = now()
                        RETURNING town, city, country, xmax = 0
                        """, [alias.town, alias.city, alias.country])
                    return (DemandRepository.alias(result, 0), result.bool(0, 3) ?? false)
                }
            }
        } catch let error as PostgresError where error.sqlState == "23514" {
            throw Failure.townWithoutKey
        }
    }

    /// Every alias, by town (code points).
    public func aliases() throws -> [TownAlias] {
        try pool.retrying {
            try pool.withConnection { connection in
                let result = try connection.query("SELECT town, city, country FROM town_aliases ORDER BY town COLLATE \"C\"")
                return (0..<result.rowCount).map { DemandRepository.alias(result, $0) }
            }
        }
    }

    public func alias(town: String) throws -> TownAlias? {
        try pool.retrying {
            try pool.withConnection { connection in
                let result = try connection.query(
                    "SELECT town, city, country FROM town_aliases WHERE town_key = place_key($1)", [town])
                return result.rowCount == 1 ? DemandRepository.alias(result, 0) : nil
            }
        }
    }

    /// Deletes the alias of `town`; false when there was none.
    public func deleteAlias(town: String) throws -> Bool {
        try pool.retrying {
            try pool.withConnection { connection in
                try connection.query("DELETE FROM town_aliases WHERE town_key = place_key($1)", [town]).affectedRows == 1
            }
        }
    }

    private static func alias(_ result: PostgresResult, _ row: Int) -> TownAlias {
        TownAlias(town: result.string(row, 0) ?? "", city: result.string(row, 1) ?? "", country: result.string(row, 2))
    }
}
