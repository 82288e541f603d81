/// The layer above the engine — in Insikt the `Routing` module, as Hummingbird's router is
/// above HummingbirdCore: told each request's head, it says how the request is answered. The
/// engine calls it on the event loop that read the head, before any body byte is read or
/// `100 Continue` sent, so it must not block.
public protocol Responder: Sendable {
    /// How to answer the request whose head is `head` (`path` without its query; `*` for
    /// `OPTIONS *`).
    func plan(_ head: RequestHead, path: String, query: String?) -> ResponsePlan

    /// Adds the headers every answer to a request sent with `Origin: origin` carries (CORS),
    /// the engine's own answers included.
    func addOriginHeaders(_ headers: inout Headers, origin: String)
}

/// How one request is answered, as the responder decided from its head.
public struct ResponsePlan: Sendable {
    public enum Action: Sendable {
        /// This answer, at once; the body, if any, is not read.
        case answer(Response)
        /// The handler, run where `Execution` says, with the body.
        case run(Execution, Handler)
    }

    public var action: Action
    /// What metrics and the access log name the request by (a route's template).
    public var label: String
    /// The public id of the key the request came with, for the access log.
    public var keyId: String?
    /// Added to whatever the answer is (rate-limit state, say).
    public var headers: [(String, String)]
    /// Whether the answer gets the origin headers (a CORS preflight carries its own).
    public var addsOriginHeaders: Bool
    /// Handed to the handler as `Request.attachment`.
    public var attachment: (any Sendable)?

    public init(_ action: Action, label: String = "unmatched", keyId: String? = nil, headers: [(String, String)] = [],
                addsOriginHeaders: Bool = true, attachment: (any Sendable)? = nil) {
        self.action = action
        self.label = label
        self.keyId = keyId
        self.headers = headers
        self.addsOriginHeaders = addsOriginHeaders
        self.attachment = attachment
    }

    public static func answer(_ response: Response, label: String = "unmatched") -> ResponsePlan {
        ResponsePlan(.answer(response), label: label)
    }

    public static func answer(_ error: HTTPError) -> ResponsePlan {
        ResponsePlan(.answer(error.response))
    }
}
