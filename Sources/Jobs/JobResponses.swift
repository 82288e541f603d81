import HTTP
import JSON

enum JobResponses {
    /// `{"data": job}`; while the job is not finished, `Retry-After: 1` says when to look again.
    static func job(_ job: Job, status: Int = 200) -> Response {
        var w = JSONWriter(capacity: 600)
        w.raw("{\"data\":")
        job.write(to: &w)
        w.raw("}")
        var response = Response.json(status, w.bytes)
        if !job.state.isTerminal { response.headers.add("Retry-After", "1") }
        return response
    }
}
