import HTTP
import JSON

/// `GET /imports/{import_id}/towns/stat/percentile/age`
public struct AgePercentilesHandler: Sendable {
    let repository: CitizensRepository

    public init(repository: CitizensRepository) {
        self.repository = repository
    }

    public func handle(_ request: Request) throws -> Response {
        let importId = request.parameters.int("import_id")
        let groups = try CitizenRequests.run(importId: importId) {
            try repository.agesByTown(importId: importId, today: .todayUTC())
        }
        let towns = CitizenStatistics.agePercentiles(groups)
        var w = JSONWriter(capacity: 64 + towns.count * 96)
        w.raw("{\"data\":[")
        for (i, town) in towns.enumerated() {
            if i > 0 { w.raw(",") }
            w.raw("{\"town\":"); w.string(town.town)
            w.raw(",\"p50\":"); AgePercentilesHandler.writeHundredths(town.p50, to: &w)
            w.raw(",\"p75\":"); AgePercentilesHandler.writeHundredths(town.p75, to: &w)
            w.raw(",\"p99\":"); AgePercentilesHandler.writeHundredths(town.p99, to: &w)
            w.raw("}")
        }
        w.raw("]}")
        return .json(200, w.bytes)
    }

    /// 3550 -> 35.5, 3525 -> 35.25, 3500 -> 35 (ages are never negative).
    static func writeHundredths(_ value: Int, to w: inout JSONWriter) {
        w.int(value / 100)
        let cents = value % 100
        guard cents != 0 else { return }
        w.raw(".")
        if cents % 10 == 0 {
            w.int(cents / 10)
        } else {
            if cents < 10 { w.raw("0") }
            w.int(cents)
        }
    }
}
