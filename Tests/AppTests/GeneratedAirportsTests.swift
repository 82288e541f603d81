import Foundation
import Testing
import TestSupport

/// `scripts/gen_airports.py` (the benchmark's million airports) must not reuse the real file's
/// ids: an upload is an upsert by id, and a generated file once replaced the real airports.
@Suite struct GeneratedAirportsTests {
    static func ids(ofCSV text: String) -> [Int] {
        text.split(separator: "\n").dropFirst().compactMap { line in line.split(separator: ",").first.flatMap { Int($0) } }
    }

    @Test func generatedIdsLieAboveTheRealFiles() throws {
        let root = TestEnvironment.packageRoot
        let real = try String(contentsOfFile: root + "/Tests/Fixtures/airports.csv", encoding: .utf8)
        let realMax = try #require(Self.ids(ofCSV: real).max())

        let run = spawnCapturing("python3", [root + "/scripts/gen_airports.py", "200"])
        #expect(run.status == 0)

        let generated = Self.ids(ofCSV: String(decoding: run.output, as: UTF8.self))
        #expect(generated.count == 200)
        #expect(Set(generated).count == 200)
        #expect((generated.min() ?? 0) > realMax * 1000, "generated ids from \(generated.min() ?? 0); the real file's end at \(realMax)")
    }
}
