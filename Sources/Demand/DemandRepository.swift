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
        SELECT town COLLATE "C" AS town,
               width_bucket(($3::int - (date_part('year', birth_date) * 10000 + date_part('month', birth_date) * 100
                                        + date_part('day', birth_date))::int) / 10000, $4::int[]) AS age_group,
               count(*) FILTER (WHERE birth_date <= $2::date) AS residents,
               count(*) FILTER (WHERE birth_date <= $2::date AND cardinality(array_remove(relatives, citizen_id)) > 0) AS with_relatives
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
                let town = try counted.column("town"), group = try counted.column("age_group"),
                    residents = try counted.column("residents"), withRelatives = try counted.column("with_relatives")
                let counts = counted.rows.map { row in
                    DemandReport.CountRow(town: row.string(town) ?? "", group: Int(row.int(group) ?? 0),
                                          residents: Int(row.int(residents) ?? 0), withRelatives: Int(row.int(withRelatives) ?? 0))
                }
                var towns: [String] = []
                for row in counts where towns.last != row.town { towns.append(row.town) }
                var airports: [Int: [DemandReport.Airport]] = [:]
                if !towns.isEmpty {
                    let found = try connection.query(DemandRepository.airportsSQL, [PostgresArray(towns), query.country])
                    let n = try found.column("n"), id = try found.column("id"), name = try found.column("name"),
                        iata = try found.column("iata"), city = try found.column("city"), country = try found.column("country")
                    for row in found.rows {
                        let town = Int(row.int(n) ?? 0) - 1
                        airports[town, default: []].append(DemandReport.Airport(
                            id: row.int(id) ?? 0, name: row.string(name), iata: row.string(iata),
                            city: row.string(city), country: row.string(country)))
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
                        RETURNING town, city, country, xmax = 0 AS created
                        """, [alias.town, alias.city, alias.country])
                    return (try DemandRepository.aliases(result)[0], try result.row(0).bool("created") ?? false)
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
                return try DemandRepository.aliases(result)
            }
        }
    }

    public func alias(town: String) throws -> TownAlias? {
        try pool.retrying {
            try pool.withConnection { connection in
                let result = try connection.query(
                    "SELECT town, city, country FROM town_aliases WHERE town_key = place_key($1)", [town])
                return result.rowCount == 1 ? try DemandRepository.aliases(result).first : nil
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

    /// The aliases of rows of (town, city, country), each column found once.
    private static func aliases(_ result: PostgresResult) throws -> [TownAlias] {
        let town = try result.column("town"), city = try result.column("city"), country = try result.column("country")
        return result.rows.map { TownAlias(town: $0.string(town) ?? "", city: $0.string(city) ?? "", country: $0.string(country)) }
    }
}
