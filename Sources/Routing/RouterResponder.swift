import HTTP
import Identity

/// The route table answering the engine: 404s with suggestions, 405s and OPTIONS with `Allow`,
/// CORS, the role check, then the route's handler with its path parameters and caller.
public final class RouterResponder: Responder {
    let table: Router.Table
    /// Checks each routed request before its body is read; nil admits everyone (tests of the engine).
    let gate: RequestGate?
    let cors: CORSPolicy
    /// Path prefixes whose rest is a secret: such a path is never echoed in a 404.
    let redactedPrefixes: [String]

    public init(router: Router, gate: RequestGate? = nil, cors: CORSPolicy = CORSPolicy(), redactedPrefixes: [String] = []) {
        self.table = router.table
        self.gate = gate
        self.cors = cors
        self.redactedPrefixes = redactedPrefixes
    }

    public func plan(_ head: RequestHead, path: String, query: String?) -> ResponsePlan {
        if path == "*" {
            var response = Response(status: 200)
            response.headers.add("Allow", table.allMethodsHeader)
            return .answer(response)
        }
        switch table.resolve(head.method, path: path) {
        case .notFound:
            let shown = ServerConfiguration.shownPath(path, redacting: redactedPrefixes)
            // A secret in the path is not echoed (nor is a nearby route suggested with it).
            if shown != path { return .answer(HTTPError.notFound("No route \(head.method) \(shown).")) }
            return .answer(table.notFound(head.method, path: path, query: query))
        case .badPath:
            return .answer(HTTPError(400, "The path is not valid percent-encoded UTF-8."))
        case let .methodNotAllowed(allow):
            var headers = Headers()
            headers.add("Allow", allow)
            return .answer(HTTPError(405, "\(head.method.answeredAs) is not allowed here; see Allow.", headers: headers))
        case let .options(allow):
            if let origin = head.headers.first("Origin"), head.headers.contains("Access-Control-Request-Method"),
               cors.allows(origin) {
                let preflight = cors.preflight(origin: origin, requestedHeaders: head.headers.first("Access-Control-Request-Headers"),
                                               allow: allow)
                return ResponsePlan(.answer(preflight), addsOriginHeaders: false)
            }
            var response = Response(status: 200)
            response.headers.add("Allow", allow)
            return .answer(response)
        case let .route(route, parameters):
            var caller: Actor?
            var headers: [(String, String)] = []
            // Who may call it is decided before any body byte is read or 100 Continue is sent.
            if let gate {
                switch gate.admit(head, route: route) {
                case let .refused(response, keyId):
                    return ResponsePlan(.answer(response), label: route.template, keyId: keyId)
                case let .admitted(admitted, gateHeaders):
                    caller = admitted
                    headers = gateHeaders
                }
            }
            // Nothing to attach for a route without parameters and caller (/healthz): no box to allocate.
            let match = parameters.isEmpty && caller == nil ? nil : RouteMatch(parameters: parameters, caller: caller)
            return ResponsePlan(.run(route.execution, route.handler), label: route.template, keyId: caller?.id,
                                headers: headers, attachment: match)
        }
    }

    public func addOriginHeaders(_ headers: inout Headers, origin: String) {
        cors.decorate(&headers, origin: origin)
    }
}

/// What the router found for a request, as its handler reads it (`request.parameters`,
/// `request.caller`).
struct RouteMatch: Sendable {
    let parameters: PathParameters
    let caller: Actor?
}

extension Request {
    /// Typed path parameters by name (`{id:int}` gives an Int64).
    public var parameters: PathParameters {
        (attachment as? RouteMatch)?.parameters ?? PathParameters()
    }

    /// Who sent it, when the route needs a key and the gate found one.
    public var caller: Actor? {
        (attachment as? RouteMatch)?.caller
    }

    /// Where the changes it makes come from: its caller and its trace.
    public var eventOrigin: EventOrigin {
        EventOrigin(actor: caller, traceparent: trace.traceparent)
    }
}
