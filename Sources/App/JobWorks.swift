import Airports
import Citizens
import DataSources
import Jobs
import Postgres

/// What each kind of job runs: the domain's own import or upload, on the jobs' pool, with the
/// job's body, progress and commit.
enum JobWorks {
    static func make(pool: PostgresPool, sources: SourceSettings) -> [JobKind: JobWork] {
        let source = SourceWork(pool: pool, loader: SourceLoads(pool: pool), settings: sources)
        let citizens = ImportCitizensHandler(repository: CitizensRepository(pool: pool))
        let airports = UploadAirportsHandler(repository: AirportsRepository(pool: pool))
        return [
            .import: { run in
                _ = try citizens.importCitizens(
                    contentType: run.contentType, expectedBytes: run.totalBytes, read: run.read, origin: run.origin,
                    progress: { try run.progress(rows: $0, bytes: $1, fraction: $2, phase: $3) },
                    beforeCommit: { connection, importId in
                        try run.commit(connection, result: Array(#"{"import_id":\#(importId),"href":"/imports/\#(importId)"}"#.utf8))
                    })
            },
            .airportsUpload: { run in
                _ = try airports.upload(
                    contentType: run.contentType, expectedBytes: run.totalBytes, read: run.read, origin: run.origin,
                    progress: { try run.progress(rows: $0, bytes: $1, fraction: $2, phase: $3) },
                    beforeCommit: { connection, result in
                        try run.commit(connection, result: UploadAirportsHandler.resultJSON(result))
                    })
            },
            .source: { run in try source.run(run) },
        ]
    }
}
