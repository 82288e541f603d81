import Access
import Airports
import Citizens
import DataSources
import Demand
import Events
import HTTP
import Jobs
import Report

/// The one table of every endpoint the server has, and who may call it (access.md): `.open`,
/// `.shareLink` (no key, a valid share token in the path), or the least role a key needs. The gate checks it before a handler runs or a body is read.
public enum Routes {
    static func register(on router: Router, database: Database, metrics: ServerMetrics, docs: DocsHandlers, keys: KeyHandlers,
                         events: EventFeedHandler, webhooks: WebhookHandlers, jobs: JobHandlers, sources: SourceHandlers,
                         jobIntake: JobIntake) {
        router.add(.GET, "/healthz", access: .open, execution: .eventLoop) { try HealthHandlers.healthz($0) }
        router.add(.GET, "/readyz", access: .open, HealthHandlers.readyz { database.readiness() })
        router.add(.GET, "/metrics", access: .admin, HealthHandlers.metrics(metrics))
        router.add(.GET, "/openapi.json", access: .open, execution: .eventLoop) { try docs.openAPI($0) }
        router.add(.GET, "/docs", access: .open, execution: .eventLoop) { try docs.page($0) }
        router.add(.GET, "/docs/{asset}", access: .open, execution: .eventLoop) { try docs.asset($0) }

        let citizens = CitizensRepository(pool: database.pool)
        let importCitizens = ImportCitizensHandler(repository: citizens)
        let listCitizens = ListCitizensHandler(repository: citizens)
        let patchCitizen = PatchCitizenHandler(repository: citizens)
        let birthdays = BirthdaysHandler(repository: citizens)
        let agePercentiles = AgePercentilesHandler(repository: citizens)
        let listImports = ListImportsHandler(repository: citizens)
        router.add(.GET, "/imports", access: .reader, database.guarded { try listImports.handle($0) })
        let showImport = ShowImportHandler(repository: citizens)
        router.add(.GET, "/imports/{import_id:int}", access: .reader, database.guarded { try showImport.handle($0) })
        router.add(.POST, "/imports", access: .editor, database.guarded(
            jobIntake.accepting(.import, check: ImportCitizensHandler.checkContentType) { try importCitizens.handle($0) }))
        router.add(.GET, "/imports/{import_id:int}/citizens", access: .reader, database.guarded { try listCitizens.handle($0) })
        router.add(.PATCH, "/imports/{import_id:int}/citizens/{citizen_id:int}", access: .editor, database.guarded { try patchCitizen.handle($0) })
        router.add(.GET, "/imports/{import_id:int}/citizens/birthdays", access: .reader, database.guarded { try birthdays.handle($0) })
        router.add(.GET, "/imports/{import_id:int}/towns/stat/percentile/age", access: .reader, database.guarded { try agePercentiles.handle($0) })

        let airports = AirportsRepository(pool: database.pool)
        let upload = UploadAirportsHandler(repository: airports)
        let list = ListAirportsHandler(repository: airports)
        let items = AirportHandlers(repository: airports)
        let links = AirportLinkHandlers(repository: airports)
        let uploadOrJob = jobIntake.accepting(.airportsUpload, check: UploadAirportsHandler.checkContentType) { try upload.handle($0) }
        router.add(.POST, "/upload", access: .editor, database.guarded(uploadOrJob))
        router.add(.POST, "/airports/upload", access: .editor, database.guarded(uploadOrJob))
        router.add(.GET, "/airports", access: .reader, database.guarded { try list.handle($0) })
        router.add(.POST, "/airports", access: .editor, database.guarded { try items.create($0) })
        router.add(.GET, "/airports/{id:int}", access: .reader, nonBlocking: database.nonBlocking { items.get($0, on: $2, $3) })
        router.add(.PUT, "/airports/{id:int}", access: .editor, database.guarded { try items.replace($0) })
        router.add(.PATCH, "/airports/{id:int}", access: .editor, database.guarded { try items.change($0) })
        router.add(.DELETE, "/airports/{id:int}", access: .editor, database.guarded { try items.delete($0) })
        router.add(.GET, "/airports/create", access: .editor, database.guarded { try links.stageCreate($0) })
        router.add(.GET, "/airports/{id:int}/update", access: .editor, database.guarded { try links.stageUpdate($0) })
        router.add(.GET, "/airports/{id:int}/delete", access: .editor, database.guarded { try links.deleteFlag($0) })
        router.add(.GET, "/airports/{id:int}/restore", access: .editor, database.guarded { try links.restore($0) })
        router.add(.GET, "/confirmations/{token}", access: .open, database.guarded { try links.confirm($0) })
        router.add(.POST, "/confirmations/{token}", access: .open, database.guarded { try links.confirm($0) })

        let demandRepository = DemandRepository(pool: database.pool)
        let demand = DemandHandler(repository: demandRepository)
        let townAliases = TownAliasHandlers(repository: demandRepository)
        router.add(.GET, "/imports/{import_id:int}/towns/stat/demand", access: .reader, database.guarded { try demand.handle($0) })
        let report = ImportReportHandler(citizens: citizens, demand: demandRepository)
        router.add(.GET, "/imports/{import_id:int}/report", access: .reader, database.guarded { try report.handle($0) })
        let reportLinks = ReportLinkHandlers(repository: ReportLinksRepository(pool: database.pool), report: report)
        router.add(.POST, "/imports/{import_id:int}/report/links", access: .editor, database.guarded { try reportLinks.create($0) })
        router.add(.GET, "/imports/{import_id:int}/report/links", access: .reader, database.guarded { try reportLinks.list($0) })
        router.add(.DELETE, "/imports/{import_id:int}/report/links/{link_id:int}", access: .editor,
                   database.guarded { try reportLinks.revoke($0) })
        router.add(.GET, ReportLinkHandlers.shareRoute, access: .shareLink,
                   ReportLinkHandlers.sharing(database.guarded { try reportLinks.open($0) }))
        router.add(.GET, "/town-aliases", access: .reader, database.guarded { try townAliases.list($0) })
        router.add(.GET, "/town-aliases/{town}", access: .reader, database.guarded { try townAliases.get($0) })
        router.add(.PUT, "/town-aliases/{town}", access: .editor, database.guarded { try townAliases.put($0) })
        router.add(.DELETE, "/town-aliases/{town}", access: .editor, database.guarded { try townAliases.delete($0) })

        router.add(.GET, "/events", access: .reader, nonBlocking: database.nonBlocking {
            events.handle($0, loop: $1, connection: $2, respond: $3)
        })

        router.add(.POST, "/webhooks", access: .admin, database.guarded { try webhooks.create($0) })
        router.add(.GET, "/webhooks", access: .admin, database.guarded { try webhooks.list($0) })
        router.add(.GET, "/webhooks/{id:int}", access: .admin, database.guarded { try webhooks.get($0) })
        router.add(.PATCH, "/webhooks/{id:int}", access: .admin, database.guarded { try webhooks.change($0) })
        router.add(.DELETE, "/webhooks/{id:int}", access: .admin, database.guarded { try webhooks.delete($0) })
        router.add(.GET, "/webhooks/{id:int}/deliveries", access: .admin, database.guarded { try webhooks.deliveries($0) })
        router.add(.POST, "/webhooks/{id:int}/deliveries/{delivery_id:int}/retry", access: .admin,
                   database.guarded { try webhooks.retry($0) })

        router.add(.GET, "/jobs", access: .reader, database.guarded { try jobs.list($0) })
        router.add(.GET, "/jobs/{id:int}", access: .reader, database.guarded { try jobs.get($0) })
        router.add(.GET, "/jobs/{id:int}/log", access: .reader, database.guarded { try jobs.log($0) })
        // An editor may cancel the jobs it started, an admin any (checked by the handler).
        router.add(.DELETE, "/jobs/{id:int}", access: .editor, database.guarded { try jobs.cancel($0) })

        router.add(.POST, "/sources", access: .editor, database.guarded { try sources.create($0) })
        router.add(.GET, "/sources", access: .reader, database.guarded { try sources.list($0) })
        router.add(.GET, "/sources/{id:int}", access: .reader, database.guarded { try sources.get($0) })
        router.add(.PATCH, "/sources/{id:int}", access: .editor, database.guarded { try sources.change($0) })
        router.add(.DELETE, "/sources/{id:int}", access: .editor, database.guarded { try sources.delete($0) })
        router.add(.POST, "/sources/{id:int}/runs", access: .editor, database.guarded { try sources.startRun($0) })
        router.add(.GET, "/sources/{id:int}/runs", access: .reader, database.guarded { try sources.runs($0) })

        router.add(.POST, "/keys", access: .admin, database.guarded { try keys.create($0) })
        router.add(.GET, "/keys", access: .admin, database.guarded { try keys.list($0) })
        router.add(.DELETE, "/keys/{key_id}", access: .admin, database.guarded { try keys.revoke($0) })
    }
}
