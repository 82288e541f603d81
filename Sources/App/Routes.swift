import Airports
import Citizens
import HTTP

/// The one table of every endpoint the server has.
public enum Routes {
    static func register(on router: Router, database: Database, metrics: ServerMetrics, docs: DocsHandlers) {
        router.add(.GET, "/healthz", execution: .eventLoop) { try HealthHandlers.healthz($0) }
        router.add(.GET, "/readyz", HealthHandlers.readyz { database.readiness() })
        router.add(.GET, "/metrics", HealthHandlers.metrics(metrics))
        router.add(.GET, "/openapi.json", execution: .eventLoop) { try docs.openAPI($0) }
        router.add(.GET, "/docs", execution: .eventLoop) { try docs.page($0) }
        router.add(.GET, "/docs/{asset}", execution: .eventLoop) { try docs.asset($0) }

        let citizens = CitizensRepository(pool: database.pool)
        let importCitizens = ImportCitizensHandler(repository: citizens)
        let listCitizens = ListCitizensHandler(repository: citizens)
        let patchCitizen = PatchCitizenHandler(repository: citizens)
        let birthdays = BirthdaysHandler(repository: citizens)
        let agePercentiles = AgePercentilesHandler(repository: citizens)
        router.add(.GET, "/imports", database.guarded { try ListImportsHandler(repository: citizens).handle($0) })
        router.add(.POST, "/imports", database.guarded { try importCitizens.handle($0) })
        router.add(.GET, "/imports/{import_id:int}/citizens", database.guarded { try listCitizens.handle($0) })
        router.add(.PATCH, "/imports/{import_id:int}/citizens/{citizen_id:int}", database.guarded { try patchCitizen.handle($0) })
        router.add(.GET, "/imports/{import_id:int}/citizens/birthdays", database.guarded { try birthdays.handle($0) })
        router.add(.GET, "/imports/{import_id:int}/towns/stat/percentile/age", database.guarded { try agePercentiles.handle($0) })

        let airports = AirportsRepository(pool: database.pool)
        let upload = UploadAirportsHandler(repository: airports)
        let list = ListAirportsHandler(repository: airports)
        let items = AirportHandlers(repository: airports)
        let links = AirportLinkHandlers(repository: airports)
        router.add(.POST, "/upload", database.guarded { try upload.handle($0) })
        router.add(.POST, "/airports/upload", database.guarded { try upload.handle($0) })
        router.add(.GET, "/airports", database.guarded { try list.handle($0) })
        router.add(.POST, "/airports", database.guarded { try items.create($0) })
        router.add(.GET, "/airports/{id:int}", nonBlocking: database.nonBlocking { items.get($0, on: $1, $2) })
        router.add(.PUT, "/airports/{id:int}", database.guarded { try items.replace($0) })
        router.add(.PATCH, "/airports/{id:int}", database.guarded { try items.change($0) })
        router.add(.DELETE, "/airports/{id:int}", database.guarded { try items.delete($0) })
        router.add(.GET, "/airports/create", database.guarded { try links.stageCreate($0) })
        router.add(.GET, "/airports/{id:int}/update", database.guarded { try links.stageUpdate($0) })
        router.add(.GET, "/airports/{id:int}/delete", database.guarded { try links.deleteFlag($0) })
        router.add(.GET, "/airports/{id:int}/restore", database.guarded { try links.restore($0) })
        router.add(.GET, "/confirmations/{token}", database.guarded { try links.confirm($0) })
        router.add(.POST, "/confirmations/{token}", database.guarded { try links.confirm($0) })
    }
}
