import HTTP

/// `GET /imports/{import_id}/towns/stat/demand`
public struct DemandHandler: Sendable {
    let repository: DemandRepository

    public init(repository: DemandRepository) {
        self.repository = repository
    }

    public func handle(_ request: Request) throws -> Response {
        let importId = request.parameters.int("import_id")
        let query = try DemandQuery(items: request.queryItems(allowed: DemandQuery.parameterNames), today: .todayUTC())
        do {
            let report = try repository.report(importId: importId, query)
            return .json(200, DemandReportJSON.encode(report))
        } catch DemandRepository.Failure.importNotFound {
            throw HTTPError.notFound("Import \(importId) does not exist.")
        }
    }
}
