import Citizens
import Dates
import Demand
import HTTP
import Routing

/// `GET /imports/{import_id}/report`: one HTML page an analyst can open offline and print: the
/// import's size and date, the percentile and demand charts, the demand table and the towns
/// without airports. It crosses two domains, so it lives in a module of its own and reads each
/// through that domain's repository (the same computations as their JSON answers).
public struct ImportReportHandler: Sendable {
    let citizens: CitizensRepository
    let demand: DemandRepository

    public init(citizens: CitizensRepository, demand: DemandRepository) {
        self.citizens = citizens
        self.demand = demand
    }

    public func handle(_ request: Request) throws -> Response {
        let importId = try request.parameters.int("import_id")
        _ = try request.queryItems(allowed: [])
        return try page(importId: importId)
    }

    /// The page of an import, for its route and for its share links.
    func page(importId: Int64) throws -> Response {
        guard let summary = try citizens.importSummary(importId) else {
            throw HTTPError.notFound("Import \(importId) does not exist.")
        }
        let today = CivilDate.todayUTC()  // one day for both computations
        let percentiles = CitizenStatistics.agePercentiles(try citizens.agesByTown(importId: importId, today: today))
        let report = try demand.report(importId: importId, DemandQuery(asOf: today))
        let page = ImportReportPage(importId: importId, summary: summary, percentiles: percentiles, demand: report)
        var response = Response(status: 200, contentType: "text/html; charset=utf-8", body: page.html())
        response.headers.add("X-Content-Type-Options", "nosniff")
        // Everything is inline and nothing is loaded: styles only, no scripts.
        response.headers.add("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
        return response
    }
}
