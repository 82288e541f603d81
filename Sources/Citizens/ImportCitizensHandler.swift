import HTTP
import Identity
import JSON
import Postgres
import Routing

/// `POST /imports`
public struct ImportCitizensHandler: Sendable {
    /// Citizens done, body bytes read, and the share of the work done (0..<1); throwing stops the
    /// import and rolls it back (a job's cancel).
    public typealias Progress = (_ citizens: Int, _ bytesRead: Int64, _ fraction: Double, _ phase: String) throws -> Void

    let repository: CitizensRepository

    public init(repository: CitizensRepository) {
        self.repository = repository
    }

    public func handle(_ request: Request) throws -> Response {
        let importId = try importCitizens(contentType: request.headers["Content-Type"], expectedBytes: request.body.declaredLength,
                                          read: request.body.read, origin: request.eventOrigin)
        var w = JSONWriter(capacity: 48)
        w.raw("{\"data\":{\"import_id\":"); w.int(importId); w.raw("}}")
        var response = Response.json(201, w.bytes)
        response.headers.add("Location", "/imports/\(importId)/citizens")
        return response
    }

    /// The 415 of a body that is not JSON, before any of it is read.
    @Sendable public static func checkContentType(_ contentType: String?) throws {
        try JSONMediaType.check(contentType, method: .POST)
    }

    /// The one import, of a request's body or of a job's stored one: reads the body, then
    /// citizens stream from the parser through validation into COPY (a large import never exists
    /// as a whole tree of values), and any error rolls the transaction back. `beforeCommit` runs
    /// inside that transaction, last, with the new import's id.
    public func importCitizens(contentType: String?, expectedBytes: Int64?, read: () throws -> [UInt8]?, origin: EventOrigin?,
                               progress: Progress? = nil,
                               beforeCommit: (PostgresConnection, Int64) throws -> Void = { _, _ in }) throws -> Int64 {
        try ImportCitizensHandler.checkContentType(contentType)
        var bytes: [UInt8] = []
        if let expectedBytes, expectedBytes > 0 { bytes.reserveCapacity(Int(expectedBytes)) }
        // With progress: the citizens are counted ahead (their "citizen_id" keys) so the share
        // done can be told while they are stored. Reading is the first tenth of the work.
        var expectedCitizens = 0
        while let chunk = try read() {
            if let progress {
                expectedCitizens += ImportCitizensHandler.keyCount(chunk)
                let total = max(expectedBytes ?? 0, Int64(bytes.count + chunk.count), 1)
                try progress(0, Int64(bytes.count + chunk.count), 0.1 * Double(bytes.count + chunk.count) / Double(total), "reading")
            }
            if bytes.isEmpty { bytes = chunk } else { bytes.append(contentsOf: chunk) }
        }
        let bytesRead = Int64(bytes.count)
        return try repository.createImport(origin: origin, beforeCommit: beforeCommit) { store in
            var validator = CitizenValidator()
            var stored = 0
            let body: JSONParser.StreamedObject
            do {
                body = try JSONParser(maxDepth: 32).parseObject(bytes, streaming: "citizens") { index, value in
                    if let citizen = validator.citizen(value, index: index), validator.isClean {
                        try store(citizen)
                        stored += 1
                    }
                    if let progress, index & 255 == 255 {
                        try progress(stored, bytesRead, 0.1 + 0.9 * min(Double(index + 1) / Double(max(expectedCitizens, 1)), 0.99), "storing")
                    }
                }
            } catch let error as JSONParser.Error {
                throw HTTPError.invalidJSON(error)
            }
            try validator.finishImport(body)
            try progress?(stored, bytesRead, 0.99, "committing")
        }
    }

    /// How many times `"citizen_id"` occurs: about the number of citizens in the piece.
    static func keyCount(_ chunk: [UInt8]) -> Int {
        let key = Array("\"citizen_id\"".utf8)
        var count = 0
        chunk.withUnsafeBufferPointer { bytes in
            guard bytes.count >= key.count else { return }
            var i = 0
            let last = bytes.count - key.count
            while i <= last {
                if bytes[i] == 0x22 && bytes[i + 1] == 0x63 && bytes[i + 2] == 0x69 {
                    var match = true
                    for k in 3..<key.count where bytes[i + k] != key[k] { match = false; break }
                    if match { count += 1; i += key.count; continue }
                }
                i += 1
            }
        }
        return count
    }
}
