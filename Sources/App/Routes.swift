import Citizens
import HTTP

/// The one table of every endpoint the server has.
public enum Routes {
    static func register(on router: Router, database: Database, metrics: ServerMetrics) {
        router.add(.GET, "/healthz", execution: .eventLoop, HealthHandlers.healthz)
        router.add(.GET, "/readyz", HealthHandlers.readyz { database.readiness() })
        router.add(.GET, "/metrics", HealthHandlers.metrics(metrics))

        let citizens = CitizensRepository(pool: database.pool)
        router.add(.POST, "/imports", database.guarded(ImportCitizensHandler(repository: citizens).handle))
        router.add(.GET, "/imports/{import_id:int}/citizens", database.guarded(ListCitizensHandler(repository: citizens).handle))
        router.add(.PATCH, "/imports/{import_id:int}/citizens/{citizen_id:int}",
                   database.guarded(PatchCitizenHandler(repository: citizens).handle))
        router.add(.GET, "/imports/{import_id:int}/citizens/birthdays", database.guarded(BirthdaysHandler(repository: citizens).handle))
        router.add(.GET, "/imports/{import_id:int}/towns/stat/percentile/age",
                   database.guarded(AgePercentilesHandler(repository: citizens).handle))
    }
}
