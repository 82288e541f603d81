import Glibc
import HTTP
import Identity
import Locks
import Routing

/// The one check before dispatch (access.md): finds the key a request sends, compares it in
/// constant time with the cached hash, and answers 401, 403 or 429 before the body is read.
public struct AccessGate: RequestGate {
    let cache: KeyCache
    /// Requests a second per key; 0 turns rate limiting off.
    let rateLimit: Double

    public init(cache: KeyCache, rateLimit: Double) {
        self.cache = cache
        self.rateLimit = rateLimit
    }

    public func admit(_ head: RequestHead, route: Route) -> GateDecision {
        // Open routes, and share links, whose token their handler checks (AccessRequirement.shareLink).
        guard let needed = route.access.role else { return .admitted(nil, headers: []) }
        guard cache.isLoaded else {
            let refusal = HTTPError.unavailable("The API keys are not loaded yet (is the database up?); try again shortly.", retryAfter: 2)
            return .refused(refusal.response, keyId: nil)
        }
        let presented: String
        switch AccessGate.presentedKey(head.headers) {
        case .none:
            return .refused(AccessGate.unauthorized(
                "This route needs an API key: send Authorization: Bearer <key> (or X-API-Key: <key>); see /docs.",
                keySent: false), keyId: nil)
        case let .wrongScheme(scheme):
            return .refused(AccessGate.unauthorized(AccessGate.wrongSchemeDetail(scheme), keySent: true), keyId: nil)
        case let .key(text):
            presented = text
        }
        guard let token = KeyToken(presented), let key = cache.lookup(token.id),
              SHA256.constantTimeEqual(key.hash, token.hash) else {
            return .refused(AccessGate.unauthorized(
                "The API key is not valid: check it was copied whole (ik_ followed by 41 characters), or ask an admin for one.",
                keySent: true), keyId: nil)
        }
        if key.revoked {
            return .refused(AccessGate.unauthorized("The API key \(key.id) was revoked; ask an admin for a new one.",
                                                    keySent: true), keyId: key.id)
        }
        let now = time(nil)
        if let expiresAt = key.expiresAt, Double(now) >= expiresAt {
            return .refused(AccessGate.unauthorized("The API key \(key.id) has expired; ask an admin for a new one.",
                                                    keySent: true), keyId: key.id)
        }
        key.lastUsed.store(Int64(now), ordering: .relaxed)
        guard key.role >= needed else {
            return .refused(HTTPError(403, "This needs the \(needed.rawValue) role; the key \(key.id) has the \(key.role.rawValue) role.").response,
                            keyId: key.id)
        }
        let caller = Actor(id: key.id, name: key.name, role: key.role)
        guard rateLimit > 0 else { return .admitted(caller, headers: []) }
        let outcome = key.bucket.withLock { $0.take(rate: rateLimit, now: monotonicNow()) }
        let burst = Int(2 * rateLimit)
        let window = Int((Double(burst) / rateLimit).rounded(.up))
        let headers = [("RateLimit-Policy", "\"per-key\";q=\(burst);w=\(window)"),
                       ("RateLimit", "\"per-key\";r=\(outcome.remaining);t=\(outcome.secondsToFull)")]
        guard outcome.allowed else {
            var refusal = HTTPError(429, "The key \(key.id) sent more than \(burst) requests in a burst (\(AccessGate.text(rateLimit)) a second on average); retry after \(outcome.retryAfter) s.")
            refusal.headers.add("Retry-After", String(outcome.retryAfter))
            for (name, value) in headers { refusal.headers.add(name, value) }
            return .refused(refusal.response, keyId: key.id)
        }
        return .admitted(caller, headers: headers)
    }

    enum Presented {
        case none
        case wrongScheme(String)
        case key(String)
    }

    static func presentedKey(_ headers: Headers) -> Presented {
        if let authorization = headers.first("Authorization") {
            let value = authorization.trimmingASCIIWhitespace()
            guard let space = value.utf8.firstIndex(where: { $0 == 0x20 || $0 == 0x09 }) else {
                return .wrongScheme(value)
            }
            let scheme = value[..<space]
            guard scheme.lowercased() == "bearer" else { return .wrongScheme(String(scheme)) }
            return .key(value[space...].trimmingASCIIWhitespace())
        }
        if let key = headers.first("X-API-Key") { return .key(key.trimmingASCIIWhitespace()) }
        return .none
    }

    /// Authentication schemes a client may plausibly send (RFC 9110's registry and common ones):
    /// only these are named back. Anything else in the first word may be the secret itself.
    static let knownSchemes: Set<String> = ["basic", "bearer", "digest", "hoba", "mutual", "negotiate", "ntlm", "oauth",
                                            "scram-sha-1", "scram-sha-256", "vapid", "token", "apikey", "api-key", "dpop",
                                            "gnap", "privatetoken", "concealed", "aws4-hmac-sha256"]

    /// What a 401 says of an Authorization value that is not `Bearer <key>`; it never repeats the
    /// value unless it is a known scheme's name.
    static func wrongSchemeDetail(_ firstWord: String) -> String {
        if firstWord.hasPrefix("ik_") || KeyToken(firstWord) != nil {
            return "Authorization holds a key without its scheme: put `Bearer ` before the key (Authorization: Bearer <key>)."
        }
        if firstWord.isEmpty {
            return "Authorization is empty; send Authorization: Bearer <key>."
        }
        if firstWord.lowercased() == "bearer" {
            return "Authorization has no key after Bearer; send Authorization: Bearer <key>."
        }
        if knownSchemes.contains(firstWord.lowercased()) {
            return "Authorization uses the \(firstWord) scheme; send Authorization: Bearer <key>."
        }
        return "Authorization does not start with a known scheme; send Authorization: Bearer <key>."
    }

    static func unauthorized(_ detail: String, keySent: Bool) -> Response {
        var headers = Headers()
        headers.add("WWW-Authenticate", keySent ? "Bearer realm=\"insikt\", error=\"invalid_token\"" : "Bearer realm=\"insikt\"")
        return HTTPError(401, detail, headers: headers).response
    }

    static func text(_ rate: Double) -> String {
        rate == rate.rounded() ? String(Int(rate)) : String(rate)
    }
}
