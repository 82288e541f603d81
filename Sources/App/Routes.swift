import Access
import Airports
import Citizens
import DataSources
import Demand
import Events
import HTTP
import Jobs
import Report
import Routing

/// The one table of every endpoint the server has, and who may call it (access.md): `.open`,
/// `.shareLink` (no key, a valid share token in the path), or the least role a key needs. The gate
/// checks it before a handler runs or a body is read. Each route also states how it reaches the
/// data (availability.md): `data.write` (its answer carries `Insikt-Consistency`),
/// `data.replicaRead` (a replica that has replayed the caller's writes may serve it), or
/// `database.guarded` (the primary only).
public enum Routes {
    static func register(on router: Router, data: DataAccess, metrics: ServerMetrics, docs: DocsHandlers, keys: KeyHandlers,
                         events: EventFeedHandler, webhooks: WebhookHandlers, jobs: JobHandlers, sources: SourceHandlers,
                         jobIntake: JobIntake) {
        let database = data.database
        router.add(.GET, "/healthz", access: .open, execution: .eventLoop) { try HealthHandlers.healthz($0) }
        router.add(.GET, "/readyz", access: .open, HealthHandlers.readyz { database.readiness() })
        router.add(.GET, "/metrics", access: .admin, HealthHandlers.metrics(metrics))
        router.add(.GET, "/openapi.json", access: .open, execution: .eventLoop) { try docs.openAPI($0) }
        router.add(.GET, "/docs", access: .open, execution: .eventLoop) { try docs.page($0) }
        router.add(.GET, "/docs/{asset}", access: .open, execution: .eventLoop) { try docs.asset($0) }

        let citizens = CitizensRepository(pool: database.pool)
        let importCitizens = ImportCitizensHandler(repository: citizens)
        let patchCitizen = PatchCitizenHandler(repository: citizens)
        router.add(.GET, "/imports", access: .reader, data.replicaRead { pool in
            let handler = ListImportsHandler(repository: CitizensRepository(pool: pool)); return { try handler.handle($0) } })
        router.add(.GET, "/imports/{import_id:int}", access: .reader, data.replicaRead { pool in
            let handler = ShowImportHandler(repository: CitizensRepository(pool: pool)); return { try handler.handle($0) } })
        router.add(.POST, "/imports", access: .editor, data.write(
            jobIntake.accepting(.import, check: ImportCitizensHandler.checkContentType) { try importCitizens.handle($0) }))
        router.add(.GET, "/imports/{import_id:int}/citizens", access: .reader, data.replicaRead { pool in
            let handler = ListCitizensHandler(repository: CitizensRepository(pool: pool)); return { try handler.handle($0) } })
        router.add(.PATCH, "/imports/{import_id:int}/citizens/{citizen_id:int}", access: .editor, data.write { try patchCitizen.handle($0) })
        router.add(.GET, "/imports/{import_id:int}/citizens/birthdays", access: .reader, data.replicaRead { pool in
            let handler = BirthdaysHandler(repository: CitizensRepository(pool: pool)); return { try handler.handle($0) } })
        router.add(.GET, "/imports/{import_id:int}/towns/stat/percentile/age", access: .reader, data.replicaRead { pool in
            let handler = AgePercentilesHandler(repository: CitizensRepository(pool: pool)); return { try handler.handle($0) } })

        let airports = AirportsRepository(pool: database.pool)
        let upload = UploadAirportsHandler(repository: airports)
        let items = AirportHandlers(repository: airports)
        let links = AirportLinkHandlers(repository: airports)
        let uploadOrJob = jobIntake.accepting(.airportsUpload, check: UploadAirportsHandler.checkContentType) { try upload.handle($0) }
        router.add(.POST, "/upload", access: .editor, data.write(uploadOrJob))
        router.add(.POST, "/airports/upload", access: .editor, data.write(uploadOrJob))
        router.add(.GET, "/airports", access: .reader, data.replicaRead { pool in
            let handler = ListAirportsHandler(repository: AirportsRepository(pool: pool)); return { try handler.handle($0) } })
        router.add(.POST, "/airports", access: .editor, data.write { try items.create($0) })
        router.add(.GET, "/airports/{id:int}", access: .reader, nonBlocking: data.replicaRead(nonBlocking: { items.get($0, on: $1, $2) }))
        router.add(.PUT, "/airports/{id:int}", access: .editor, data.write { try items.replace($0) })
        router.add(.PATCH, "/airports/{id:int}", access: .editor, data.write { try items.change($0) })
        router.add(.DELETE, "/airports/{id:int}", access: .editor, data.write { try items.delete($0) })
        router.add(.GET, "/airports/create", access: .editor, data.write { try links.stageCreate($0) })
        router.add(.GET, "/airports/{id:int}/update", access: .editor, data.write { try links.stageUpdate($0) })
        router.add(.GET, "/airports/{id:int}/delete", access: .editor, data.write { try links.deleteFlag($0) })
        router.add(.GET, "/airports/{id:int}/restore", access: .editor, data.write { try links.restore($0) })
        router.add(.GET, "/confirmations/{token}", access: .open, data.write { try links.confirm($0) })
        router.add(.POST, "/confirmations/{token}", access: .open, data.write { try links.confirm($0) })

        let demandRepository = DemandRepository(pool: database.pool)
        let townAliases = TownAliasHandlers(repository: demandRepository)
        router.add(.GET, "/imports/{import_id:int}/towns/stat/demand", access: .reader, data.replicaRead { pool in
            let handler = DemandHandler(repository: DemandRepository(pool: pool)); return { try handler.handle($0) } })
        router.add(.GET, "/imports/{import_id:int}/report", access: .reader, data.replicaRead { pool in
            let handler = ImportReportHandler(citizens: CitizensRepository(pool: pool), demand: DemandRepository(pool: pool))
            return { try handler.handle($0) }
        })
        let report = ImportReportHandler(citizens: citizens, demand: demandRepository)
        let reportLinks = ReportLinkHandlers(repository: ReportLinksRepository(pool: database.pool), report: report)
        router.add(.POST, "/imports/{import_id:int}/report/links", access: .editor, data.write { try reportLinks.create($0) })
        router.add(.GET, "/imports/{import_id:int}/report/links", access: .reader, database.guarded { try reportLinks.list($0) })
        router.add(.DELETE, "/imports/{import_id:int}/report/links/{link_id:int}", access: .editor,
                   data.write { try reportLinks.revoke($0) })
        router.add(.GET, ReportLinkHandlers.shareRoute, access: .shareLink,
                   ReportLinkHandlers.sharing(database.guarded { try reportLinks.open($0) }))
        router.add(.GET, "/town-aliases", access: .reader, data.replicaRead { pool in
            let handler = TownAliasHandlers(repository: DemandRepository(pool: pool)); return { try handler.list($0) } })
        router.add(.GET, "/town-aliases/{town}", access: .reader, data.replicaRead { pool in
            let handler = TownAliasHandlers(repository: DemandRepository(pool: pool)); return { try handler.get($0) } })
        router.add(.PUT, "/town-aliases/{town}", access: .editor, data.write { try townAliases.put($0) })
        router.add(.DELETE, "/town-aliases/{town}", access: .editor, data.write { try townAliases.delete($0) })

        router.add(.GET, "/events", access: .reader, nonBlocking: database.nonBlocking {
            events.handle($0, loop: $1, connection: $2, respond: $3)
        })

        router.add(.POST, "/webhooks", access: .admin, data.write { try webhooks.create($0) })
        router.add(.GET, "/webhooks", access: .admin, database.guarded { try webhooks.list($0) })
        router.add(.GET, "/webhooks/{id:int}", access: .admin, database.guarded { try webhooks.get($0) })
        router.add(.PATCH, "/webhooks/{id:int}", access: .admin, data.write { try webhooks.change($0) })
        router.add(.DELETE, "/webhooks/{id:int}", access: .admin, data.write { try webhooks.delete($0) })
        router.add(.GET, "/webhooks/{id:int}/deliveries", access: .admin, database.guarded { try webhooks.deliveries($0) })
        router.add(.POST, "/webhooks/{id:int}/deliveries/{delivery_id:int}/retry", access: .admin,
                   data.write { try webhooks.retry($0) })

        router.add(.GET, "/jobs", access: .reader, database.guarded { try jobs.list($0) })
        router.add(.GET, "/jobs/{id:int}", access: .reader, database.guarded { try jobs.get($0) })
        router.add(.GET, "/jobs/{id:int}/log", access: .reader, database.guarded { try jobs.log($0) })
        // An editor may cancel the jobs it started, an admin any (checked by the handler).
        router.add(.DELETE, "/jobs/{id:int}", access: .editor, data.write { try jobs.cancel($0) })

        router.add(.POST, "/sources", access: .editor, data.write { try sources.create($0) })
        router.add(.GET, "/sources", access: .reader, database.guarded { try sources.list($0) })
        router.add(.GET, "/sources/{id:int}", access: .reader, database.guarded { try sources.get($0) })
        router.add(.PATCH, "/sources/{id:int}", access: .editor, data.write { try sources.change($0) })
        router.add(.DELETE, "/sources/{id:int}", access: .editor, data.write { try sources.delete($0) })
        router.add(.POST, "/sources/{id:int}/runs", access: .editor, data.write { try sources.startRun($0) })
        router.add(.GET, "/sources/{id:int}/runs", access: .reader, database.guarded { try sources.runs($0) })

        router.add(.POST, "/keys", access: .admin, data.write { try keys.create($0) })
        router.add(.GET, "/keys", access: .admin, database.guarded { try keys.list($0) })
        router.add(.DELETE, "/keys/{key_id}", access: .admin, data.write { try keys.revoke($0) })
    }
}
