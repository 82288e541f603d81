import HTTP
import JSON

/// What the citizens handlers share: reading a JSON body and mapping repository failures.
enum CitizenRequests {
    static func jsonBody(_ request: Request) throws -> JSONValue {
        let bytes = try request.body.readAll()
        do {
            return try JSONParser(maxDepth: 32).parse(bytes)
        } catch let error as JSONParser.Error {
            throw HTTPError.badRequest("The body is not valid JSON: \(error.message) at byte \(error.offset).")
        }
    }

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
