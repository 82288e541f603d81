import Airports
import Citizens
import DataSources
import Identity
import Postgres

/// How a source's pulled body is loaded: the airports upload or the citizens import, the same
/// code as `POST /upload` and `POST /imports`, on the jobs' pool.
struct SourceLoads: SourceLoader {
    let airports: UploadAirportsHandler
    let citizens: ImportCitizensHandler

    init(pool: PostgresPool) {
        airports = UploadAirportsHandler(repository: AirportsRepository(pool: pool))
        citizens = ImportCitizensHandler(repository: CitizensRepository(pool: pool))
    }

    func load(kind: SourceKind, expectedBytes: Int64?, read: () throws -> [UInt8]?, origin: EventOrigin?,
              progress: @escaping (Int, Int64, Double, String) throws -> Void,
              beforeCommit: (PostgresConnection, [UInt8]) throws -> Void) throws {
        // The kind says what the body is, whatever media type the publisher labels it with.
        switch kind {
        case .airports:
            _ = try airports.upload(contentType: "text/csv", expectedBytes: expectedBytes, read: read, origin: origin, progress: progress,
                                    beforeCommit: { connection, result in try beforeCommit(connection, UploadAirportsHandler.resultJSON(result)) })
        case .citizens:
            _ = try citizens.importCitizens(contentType: "application/json", expectedBytes: expectedBytes, read: read, origin: origin,
                                            progress: progress, beforeCommit: { connection, importId in
                try beforeCommit(connection, Array(#"{"import_id":\#(importId),"href":"/imports/\#(importId)"}"#.utf8))
            })
        }
    }
}
