import HTTP
import Locks

/// The route table as a trie of path segments. Fixed segments win over parameters; a segment that
/// does not parse as the parameter's type matches nothing, so `/imports/abc` is a 404.
public final class Router: Sendable {
    enum ParameterKind: Sendable {
        /// 0 ... 2^63-1, digits only.
        case int
        case string
    }

    struct Node: Sendable {
        var fixed: [String: Node] = [:]
        var parameter: Parameter?
        var routes: [HTTPMethod: Route] = [:]
        var template: String?
        /// Every method this path takes, in `Allow` order, HEAD and OPTIONS included (kept as
        /// routes are added: the table is read by every loop at once).
        var allowed: [HTTPMethod] = [.OPTIONS]
        var allowHeader = "OPTIONS"

        mutating func add(_ route: Route) {
            precondition(routes[route.method] == nil, "route \(route.method) \(route.template) registered twice")
            routes[route.method] = route
            template = route.template
            var methods = Set(routes.keys)
            if methods.contains(.GET) { methods.insert(.HEAD) }
            methods.insert(.OPTIONS)
            let known = HTTPMethod.allowOrder.filter { methods.contains($0) }
            let others = methods.filter { !HTTPMethod.allowOrder.contains($0) }.map(\.description).sorted()
            allowed = known + others.map { HTTPMethod($0) }
            allowHeader = allowed.map(\.description).joined(separator: ", ")
        }
    }

    struct Parameter: Sendable {
        let name: String
        let kind: ParameterKind
        /// One node (an array, so that a node can hold one).
        private var nodes = [Node()]
        var node: Node {
            get { nodes[0] }
            _modify { yield &nodes[0] }
        }

        init(name: String, kind: ParameterKind) {
            self.name = name
            self.kind = kind
        }
    }

    public enum Resolution {
        case route(Route, PathParameters)
        /// The path exists; the method is OPTIONS and no route claims it.
        case options(allow: String)
        case methodNotAllowed(allow: String)
        case notFound
        case badPath
    }

    /// The route table as built so far; the server takes it when it starts.
    public struct Table: Sendable {
        var root = Node()
        public internal(set) var routes: [Route] = []
    }

    private let building = Monitor(Table())

    public init() {}

    /// The routes added so far.
    public var table: Table { building.withLock { $0 } }

    public var routes: [Route] { table.routes }

    /// Registers a handler. Templates use `{name}` for a string segment and `{name:int}` for an
    /// integer one. Every route states who may call it: there is no default.
    public func add(_ method: HTTPMethod, _ template: String, access: AccessRequirement, execution: Execution = .workerPool,
                    _ handler: @escaping Handler) {
        let route = Route(method: method, template: template, access: access, execution: execution, handler: handler)
        building.withLock { table in
            Router.insert(route, into: &table.root, Router.segments(of: template)[...])
            table.routes.append(route)
        }
    }

    private static func insert(_ route: Route, into node: inout Node, _ segments: ArraySlice<Substring>) {
        guard let segment = segments.first else {
            node.add(route)
            return
        }
        let rest = segments.dropFirst()
        if segment.hasPrefix("{") && segment.hasSuffix("}") {
            let inner = segment.dropFirst().dropLast()
            let parts = inner.split(separator: ":", maxSplits: 1)
            let name = String(parts[0])
            let kind: ParameterKind = parts.count > 1 && parts[1] == "int" ? .int : .string
            var parameter = node.parameter ?? Parameter(name: name, kind: kind)
            precondition(parameter.name == name && parameter.kind == kind, "conflicting parameter in \(route.template)")
            node.parameter = nil  // so that the child is modified in place
            insert(route, into: &parameter.node, rest)
            node.parameter = parameter
        } else {
            insert(route, into: &node.fixed[String(segment), default: Node()], rest)
        }
    }

    /// Registers a handler that answers later from its event loop (see `NonBlockingHandler`).
    public func add(_ method: HTTPMethod, _ template: String, access: AccessRequirement,
                    nonBlocking handler: @escaping NonBlockingHandler) {
        add(method, template, access: access, execution: .nonBlocking(handler)) { _ in
            throw HTTPError(500, "A non-blocking route ran as a blocking one.")
        }
    }

    public func resolve(_ method: HTTPMethod, path: String) -> Resolution {
        table.resolve(method, path: path)
    }

    public var allMethodsHeader: String { table.allMethodsHeader }

    public func notFound(_ method: HTTPMethod, path: String, query: String?) -> HTTPError {
        table.notFound(method, path: path, query: query)
    }
}

extension Router.Table {
    typealias Node = Router.Node

    public func resolve(_ method: HTTPMethod, path: String) -> Router.Resolution {
        var decoded: [String] = []
        for raw in Router.segments(of: path) {
            guard let segment = PercentDecoding.decode(raw) else { return .badPath }
            decoded.append(segment)
        }
        var parameters = PathParameters()
        guard let node = match(root, decoded[...], &parameters) else { return .notFound }
        if let route = node.routes[method] {
            return .route(route, parameters)
        }
        if method == .HEAD, let route = node.routes[.GET] {
            return .route(route, parameters)
        }
        if method == .OPTIONS {
            return .options(allow: node.allowHeader)
        }
        return .methodNotAllowed(allow: node.allowHeader)
    }

    /// The `Allow` value of every path together, for `OPTIONS *`.
    public var allMethodsHeader: String {
        var methods = Set(routes.map(\.method))
        methods.formUnion([.HEAD, .OPTIONS])
        return HTTPMethod.allowOrder.filter { methods.contains($0) }.map(\.description).joined(separator: ", ")
    }

    private func match(_ node: Node, _ segments: ArraySlice<String>, _ parameters: inout PathParameters) -> Node? {
        guard let segment = segments.first else {
            return node.routes.isEmpty ? nil : node
        }
        let rest = segments.dropFirst()
        if let child = node.fixed[segment], let found = match(child, rest, &parameters) {
            return found
        }
        guard let parameter = node.parameter else { return nil }
        let (name, kind, child) = (parameter.name, parameter.kind, parameter.node)
        var attempt = parameters
        switch kind {
        case .int:
            guard let value = Router.nonNegativeInt(segment) else { return nil }
            attempt.add(name, integer: value)
        case .string:
            guard !segment.isEmpty else { return nil }
            attempt.add(name, string: segment)
        }
        guard let found = match(child, rest, &attempt) else { return nil }
        parameters = attempt
        return found
    }

}

extension Router {
    /// The pieces after each `/` (what comes before the first one is not part of the path).
    static func segments(of path: String) -> [Substring] {
        if path == "/" { return [] }
        var segments: [Substring] = []
        var start: String.Index?
        for i in path.utf8.indices where path.utf8[i] == UInt8(ascii: "/") {
            if let start { segments.append(path[start..<i]) }
            start = path.utf8.index(after: i)
        }
        if let start { segments.append(path[start...]) }
        return segments
    }

    static func nonNegativeInt(_ text: String) -> Int64? {
        guard !text.isEmpty, text.utf8.count <= 19, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int64(text)
    }
}
