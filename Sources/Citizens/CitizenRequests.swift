import HTTP

/// What the citizens handlers share: mapping repository failures.
enum CitizenRequests {
    static func map(_ failure: CitizensRepository.Failure, importId: Int64, citizenId: Int64? = nil) -> HTTPError {
        switch failure {
        case .importNotFound:
            return .notFound("Import \(importId) does not exist.")
        case .citizenNotFound:
            return .notFound("Citizen \(citizenId ?? 0) does not exist in import \(importId).")
        case let .unknownRelatives(ids):
            return .badRequest("Relatives must be citizens of the same import.", errors: ids.prefix(100).map {
                ProblemField(pointer: "/relatives", detail: "citizen \($0) is not in import \(importId)")
            })
        }
    }

    static func run<T>(importId: Int64, citizenId: Int64? = nil, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let failure as CitizensRepository.Failure {
            throw map(failure, importId: importId, citizenId: citizenId)
        }
    }
}
