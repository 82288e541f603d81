/// A request method. The known ones are cases; any other token is kept as written.
public enum HTTPMethod: Hashable, Sendable, CustomStringConvertible {
    case GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS
    case other(String)

    public init(_ token: String) {
        switch token {
        case "GET": self = .GET
        case "HEAD": self = .HEAD
        case "POST": self = .POST
        case "PUT": self = .PUT
        case "PATCH": self = .PATCH
        case "DELETE": self = .DELETE
        case "OPTIONS": self = .OPTIONS
        default: self = .other(token)
        }
    }

    public var description: String {
        switch self {
        case .GET: return "GET"
        case .HEAD: return "HEAD"
        case .POST: return "POST"
        case .PUT: return "PUT"
        case .PATCH: return "PATCH"
        case .DELETE: return "DELETE"
        case .OPTIONS: return "OPTIONS"
        case let .other(token): return token
        }
    }

    /// The method whose answer this one's mirrors: a HEAD gets its GET's head (RFC 9110 9.3.2), so
    /// an error body that names the method names GET and the Content-Length matches.
    public var answeredAs: HTTPMethod { self == .HEAD ? .GET : self }

    /// The order in which `Allow` lists methods.
    package static let allowOrder: [HTTPMethod] = [.GET, .HEAD, .POST, .PUT, .PATCH, .DELETE, .OPTIONS]
}
