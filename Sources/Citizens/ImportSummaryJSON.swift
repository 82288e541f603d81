import JSON

extension ImportSummary {
    /// `{"import_id", "created_at", "citizens"}`: one import in `GET /imports` and `GET /imports/{id}`.
    func write(to w: inout JSONWriter) {
        w.raw("{\"import_id\":"); w.int(importId)
        w.raw(",\"created_at\":"); w.string(createdAt)
        w.raw(",\"citizens\":"); w.int(citizens)
        w.raw("}")
    }
}
