import HTTP
import Routing

/// `GET /imports/{import_id}/towns/stat/demand`
public struct DemandHandler: Sendable {
    let repository: DemandRepository

    public init(repository: DemandRepository) {
        self.repository = repository
    }

    /// JSON, or the stacked bar chart (SVG) for `Accept: image/svg+xml` or `?format=svg`.
    public func handle(_ request: Request) throws -> Response {
        let importId = try request.parameters.int("import_id")
        let svg = try request.wantsSVG()
        var parameters = try QueryParameters(request, allowed: DemandQuery.parameterNames.union(["format"]))
        let query = try DemandQuery(&parameters, today: .todayUTC())
        do {
            let report = try repository.report(importId: importId, query)
            if svg { return .svg(DemandChart.svg(importId: importId, report)) }
            var response = Response.json(200, DemandReportJSON.encode(report))
            response.headers.add("Vary", "Accept")
            return response
        } catch DemandRepository.Failure.importNotFound {
            throw HTTPError.notFound("Import \(importId) does not exist.")
        }
    }
}
