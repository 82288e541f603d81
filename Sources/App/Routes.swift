import Airports
import Citizens
import HTTP

/// The one table of every endpoint the server has.
public enum Routes {
    static func register(on router: Router, database: Database, metrics: ServerMetrics, docs: DocsHandlers) {
        router.add(.GET, "/healthz", execution: .eventLoop, HealthHandlers.healthz)
        router.add(.GET, "/readyz", HealthHandlers.readyz { database.readiness() })
        router.add(.GET, "/metrics", HealthHandlers.metrics(metrics))
        router.add(.GET, "/openapi.json", execution: .eventLoop, docs.openAPI)
        router.add(.GET, "/docs", execution: .eventLoop, docs.page)
        router.add(.GET, "/docs/{asset}", execution: .eventLoop, docs.asset)

        let citizens = CitizensRepository(pool: database.pool)
        router.add(.POST, "/imports", database.guarded(ImportCitizensHandler(repository: citizens).handle))
        router.add(.GET, "/imports/{import_id:int}/citizens", database.guarded(ListCitizensHandler(repository: citizens).handle))
        router.add(.PATCH, "/imports/{import_id:int}/citizens/{citizen_id:int}",
                   database.guarded(PatchCitizenHandler(repository: citizens).handle))
        router.add(.GET, "/imports/{import_id:int}/citizens/birthdays", database.guarded(BirthdaysHandler(repository: citizens).handle))
        router.add(.GET, "/imports/{import_id:int}/towns/stat/percentile/age",
                   database.guarded(AgePercentilesHandler(repository: citizens).handle))

        let airports = AirportsRepository(pool: database.pool)
        let upload = database.guarded(UploadAirportsHandler(repository: airports).handle)
        router.add(.POST, "/upload", upload)
        router.add(.POST, "/airports/upload", upload)
        let items = AirportHandlers(repository: airports)
        router.add(.GET, "/airports", database.guarded(ListAirportsHandler(repository: airports).handle))
        router.add(.POST, "/airports", database.guarded(items.create))
        router.add(.GET, "/airports/{id:int}", database.guarded(items.get))
        router.add(.PUT, "/airports/{id:int}", database.guarded(items.replace))
        router.add(.PATCH, "/airports/{id:int}", database.guarded(items.change))
        router.add(.DELETE, "/airports/{id:int}", database.guarded(items.delete))
        let links = AirportLinkHandlers(repository: airports)
        router.add(.GET, "/airports/create", database.guarded(links.stageCreate))
        router.add(.GET, "/airports/{id:int}/update", database.guarded(links.stageUpdate))
        router.add(.GET, "/airports/{id:int}/delete", database.guarded(links.deleteFlag))
        router.add(.GET, "/airports/{id:int}/restore", database.guarded(links.restore))
        router.add(.GET, "/confirmations/{token}", database.guarded(links.confirm))
        router.add(.POST, "/confirmations/{token}", database.guarded(links.confirm))
    }
}
