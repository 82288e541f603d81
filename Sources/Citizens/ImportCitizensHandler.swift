import Events
import HTTP
import JSON

/// `POST /imports`
public struct ImportCitizensHandler: Sendable {
    let repository: CitizensRepository

    public init(repository: CitizensRepository) {
        self.repository = repository
    }

    public func handle(_ request: Request) throws -> Response {
        let bytes = try request.jsonBytes()
        // Citizens stream from the parser through validation into COPY: a large import never
        // exists as a whole tree of values, and any error rolls the transaction back.
        let importId = try repository.createImport(actor: EventActor(request.caller)) { store in
            var validator = CitizenValidator()
            let body: JSONParser.StreamedObject
            do {
                body = try JSONParser(maxDepth: 32).parseObject(bytes, streaming: "citizens") { index, value in
                    if let citizen = validator.citizen(value, index: index), validator.isClean { try store(citizen) }
                }
            } catch let error as JSONParser.Error {
                throw HTTPError.invalidJSON(error)
            }
            try validator.finishImport(body)
        }
        var w = JSONWriter(capacity: 48)
        w.raw("{\"data\":{\"import_id\":"); w.int(importId); w.raw("}}")
        var response = Response.json(201, w.bytes)
        response.headers.add("Location", "/imports/\(importId)/citizens")
        return response
    }
}
