import Postgres
import Testing
import TestSupport

@Suite struct PostgresRowTests {
    let pool = PostgresPool(PostgresPool.Configuration(url: TestEnvironment.databaseURL))

    @Test func valuesAreReadByTheNamesTheSelectListGives() throws {
        let result = try pool.withConnection { c in
            try c.query("""
                SELECT 42::bigint AS id, 'Åre' AS name, -7 AS minus, 2.5::float8 AS share, true AS live,
                       now() > '2000-01-01' AS after_2000, count(*) FROM (VALUES (1)) AS one
                """)
        }
        let row = result.row(0)
        #expect(try row.int("id") == 42)
        #expect(try row.string("name") == "Åre")
        #expect(try row.int("minus") == -7)
        #expect(try row.double("share") == 2.5)
        #expect(try row.bool("live") == true)
        #expect(try row.bool("after_2000") == true)
        // An expression without AS is named by PostgreSQL (count, to_char, ?column?).
        #expect(try row.int("count") == 1)
        #expect(try row.withBytes("name") { String(decoding: $0, as: UTF8.self) } == "Åre")
        #expect(try row.isNull("name") == false)
    }

    @Test func nullsAreNilAndNotMissing() throws {
        let result = try pool.withConnection { c in
            try c.query("SELECT NULL::bigint AS id, NULL::text AS name, NULL::float8 AS share, NULL::boolean AS live")
        }
        let row = result.row(0)
        #expect(try row.isNull("id"))
        #expect(try row.int("id") == nil)
        #expect(try row.string("name") == nil)
        #expect(try row.double("share") == nil)
        #expect(try row.bool("live") == nil)
        #expect(try row.withBytes("name") { $0.count } == 0)
    }

    @Test func aNameTheStatementDoesNotReturnIsAnErrorNamingWhatItHas() throws {
        let result = try pool.withConnection { c in try c.query("SELECT 1 AS id, 'x' AS name") }
        let error = #expect(throws: PostgresMissingColumn.self) { try result.row(0).int("version") }
        #expect(error?.name == "version")
        #expect(error?.columns == ["id", "name"])
        #expect(error?.description == #"the result has no column "version" (its columns: "id", "name")"#)
        #expect(throws: PostgresMissingColumn.self) { try result.column("nam") }
        // Also when the result has no rows: a reader finds its columns before the rows.
        let empty = try pool.withConnection { c in try c.query("SELECT 1 AS id WHERE false") }
        #expect(empty.rowCount == 0)
        #expect(try empty.column("id").index == 0)
        #expect(throws: PostgresMissingColumn.self) { try empty.column("name") }
    }

    @Test func columnsFoundOnceAreReadInEveryRow() throws {
        let result = try pool.withConnection { c in
            try c.query("SELECT n AS id, CASE WHEN n % 2 = 0 THEN 'even' END AS label FROM generate_series(1, 5) AS n ORDER BY n")
        }
        let id = try result.column("id"), label = try result.column("label")
        #expect(id.index == 0 && label.index == 1)
        #expect(result.rows.count == 5)
        #expect(result.rows.map { $0.int(id) } == [1, 2, 3, 4, 5])
        #expect(result.rows.map { $0.string(label) } == [nil, "even", nil, "even", nil])
        #expect(result.rows.map { $0.index } == [0, 1, 2, 3, 4])
    }

    @Test func namesAreFoundExactlyAsTheResultGivesThem() throws {
        // PostgreSQL folds unquoted names to lower case; a quoted one keeps its case.
        let result = try pool.withConnection { c in try c.query(#"SELECT 1 AS Version, 2 AS "createdAt", 3 AS "ver""#) }
        #expect(try result.row(0).int("version") == 1)
        #expect(try result.row(0).int("createdAt") == 2)
        #expect(try result.row(0).int("ver") == 3, "a prefix of another name is not that name")
        #expect(throws: PostgresMissingColumn.self) { try result.row(0).int("VERSION") }
        #expect(throws: PostgresMissingColumn.self) { try result.row(0).int("versions") }
        #expect(throws: PostgresMissingColumn.self) { try result.row(0).int("") }
    }

    @Test func aSearchAfterAColumnWrapsAroundToTheColumnsBeforeIt() throws {
        let result = try pool.withConnection { c in try c.query("SELECT 1 AS a, 2 AS b, 3 AS c, 4 AS a2") }
        let b = try result.column("b")
        #expect(try result.column("c", after: b).index == 2)
        #expect(try result.column("a", after: b).index == 0)
        #expect(try result.column("b", after: b).index == 1)
        #expect(try result.column("a2", after: try result.column("a2")).index == 3)
        #expect(throws: PostgresMissingColumn.self) { try result.column("d", after: b) }
        // The first of two columns with one name, searching from the start.
        let twice = try pool.withConnection { c in try c.query("SELECT 1 AS id, 2 AS id") }
        #expect(try twice.row(0).int("id") == 1)
    }

    @Test func binaryResultsAreReadByNameToo() throws {
        let result = try pool.withConnection { c in
            try c.queryBinary("SELECT $1::bytea AS bytes, 7::int4 AS seven", [.binary([0, 1, 0xFF])], binaryResult: true)
        }
        #expect(try result.row(0).withBytes("bytes") { Array($0) } == [0, 1, 0xFF])
        #expect(try result.row(0).withBytes("seven") { Array($0) } == [0, 0, 0, 7])
    }
}
