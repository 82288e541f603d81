import Postgres
import Testing
import TestSupport

@Suite struct BinaryParameterTests {
    @Test func byteaTravelsAsItselfBothWays() throws {
        let pool = PostgresPool(PostgresPool.Configuration(url: TestEnvironment.databaseURL))
        let every = (0..<512).map { UInt8(truncatingIfNeeded: $0) }
        let result = try pool.withConnection { c in
            try c.queryBinary("SELECT $1::bytea, length($1::bytea), $2::bytea, $3::text, $4::text IS NULL",
                              [.binary(every), .binary([]), .text("åäö 'x'"), .text(nil)], binaryResult: true)
        }
        #expect(result.withBytes(0, 0) { Array($0) } == every)
        // Binary results: an int4 is four big-endian bytes, an empty bytea no bytes.
        #expect(result.withBytes(0, 1) { Array($0) } == [0, 0, 2, 0])
        #expect(result.withBytes(0, 2) { $0.count } == 0)
        #expect(result.withBytes(0, 3) { String(decoding: $0, as: UTF8.self) } == "åäö 'x'")
        #expect(result.withBytes(0, 4) { Array($0) } == [1])
        let text = try pool.withConnection { try $0.queryBinary("SELECT encode($1::bytea, 'hex')", [.binary([0x00, 0xFF, 0x5C])]) }
        #expect(text.string(0, 0) == "00ff5c")
    }

    @Test func aFailedStatementThrowsAndTheConnectionStaysUsable() throws {
        let pool = PostgresPool(PostgresPool.Configuration(url: TestEnvironment.databaseURL))
        try pool.withConnection { c in
            #expect(throws: PostgresError.self) { try c.queryBinary("SELECT $1::int", [.text("not a number")]) }
            let after = try c.query("SELECT 1")
            #expect(after.int(0, 0) == 1)
        }
    }
}
