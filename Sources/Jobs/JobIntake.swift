import Foundation
import HTTP
import JSON
import Routing

/// `Prefer: respond-async` on a POST that a job can do (RFC 7240): the body goes into
/// PostgreSQL and the answer is `202` with the job; without it the route's own handler answers.
public struct JobIntake: Sendable {
    let repository: JobsRepository
    let wake: @Sendable () -> Void

    public init(repository: JobsRepository, wake: @escaping @Sendable () -> Void) {
        self.repository = repository
        self.wake = wake
    }

    /// `handler`, or a job of `kind` when the request prefers it. `check` refuses a body the work
    /// could never read (its Content-Type) before any of it is stored.
    public func accepting(_ kind: JobKind, check: @escaping @Sendable (String?) throws -> Void,
                          otherwise handler: @escaping Handler) -> Handler {
        return { request in
            // A malformed key is refused on either path: a client that sends one expects it to count.
            let key = try JobIntake.idempotencyKey(request.headers)
            guard JobIntake.prefersRespondAsync(request.headers) else { return try handler(request) }
            try check(request.headers["Content-Type"])
            let (job, reused) = try repository.submit(kind: kind, contentType: request.headers["Content-Type"],
                                                      contentEncoding: request.headers["Content-Encoding"],
                                                      origin: request.eventOrigin, idempotencyKey: key,
                                                      read: request.body.read)
            if !reused { wake() }
            var response = JobResponses.job(job, status: 202)
            response.headers.add("Location", job.location)
            response.headers.add("Preference-Applied", "respond-async")
            return response
        }
    }

    /// True when a Prefer header holds the preference `respond-async` (case-insensitive, among
    /// others, with or without parameters).
    static func prefersRespondAsync(_ headers: Headers) -> Bool {
        headers.fields.contains { field in
            field.name.lowercased() == "prefer" && field.value.split(separator: ",").contains { preference in
                let token = preference.split(separator: ";").first?.split(separator: "=").first ?? ""
                return token.trimmingASCIIWhitespace().lowercased() == "respond-async"
            }
        }
    }

    /// The Idempotency-Key: 1-128 visible ASCII characters, else a 400 saying so.
    static func idempotencyKey(_ headers: Headers) throws -> String? {
        guard let key = headers["Idempotency-Key"] else { return nil }
        guard (1...128).contains(key.utf8.count), key.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            throw HTTPError.badRequest("Idempotency-Key must be 1 to 128 visible ASCII characters (a UUID is a good one).")
        }
        return key
    }
}
