import HTTP
import JSON
import Routing

/// `GET /imports/{import_id}/towns/stat/percentile/age`: JSON, or a grouped bar chart (SVG) for
/// `Accept: image/svg+xml` or `?format=svg`, from the same computation.
public struct AgePercentilesHandler: Sendable {
    let repository: CitizensRepository

    public init(repository: CitizensRepository) {
        self.repository = repository
    }

    public func handle(_ request: Request) throws -> Response {
        let importId = try request.parameters.int("import_id")
        let svg = try request.wantsSVG()
        let groups = try CitizenRequests.run(importId: importId) {
            try repository.agesByTown(importId: importId, today: .todayUTC())
        }
        let towns = CitizenStatistics.agePercentiles(groups)
        if svg { return .svg(AgePercentilesChart.svg(importId: importId, towns)) }
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
        var response = Response.json(200, w.bytes)
        response.headers.add("Vary", "Accept")
        return response
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
