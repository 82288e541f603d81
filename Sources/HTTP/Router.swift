/// The route table as a trie of path segments. Fixed segments win over parameters; a segment that
/// does not parse as the parameter's type matches nothing, so `/imports/abc` is a 404.
public final class Router: @unchecked Sendable {
    enum ParameterKind: Sendable {
        /// 0 ... 2^63-1, digits only.
        case int
        case string
    }

    final class Node {
        var fixed: [String: Node] = [:]
        var parameter: (name: String, kind: ParameterKind, node: Node)?
        var routes: [HTTPMethod: Route] = [:]
        var template: String?

        /// Every method this path takes, in `Allow` order, HEAD and OPTIONS included.
        lazy var allowed: [HTTPMethod] = {
            var methods = Set(routes.keys)
            if methods.contains(.GET) { methods.insert(.HEAD) }
            methods.insert(.OPTIONS)
            let known = HTTPMethod.allowOrder.filter { methods.contains($0) }
            let others = methods.filter { !HTTPMethod.allowOrder.contains($0) }.map(\.description).sorted()
            return known + others.map { HTTPMethod($0) }
        }()

        lazy var allowHeader: String = allowed.map(\.description).joined(separator: ", ")
    }

    public enum Resolution {
        case route(Route, PathParameters)
        /// The path exists; the method is OPTIONS and no route claims it.
        case options(allow: String)
        case methodNotAllowed(allow: String)
        case notFound
        case badPath
    }

    let root = Node()
    public private(set) var routes: [Route] = []

    public init() {}

    /// Registers a handler. Templates use `{name}` for a string segment and `{name:int}` for an
    /// integer one. Every route states who may call it: there is no default.
    public func add(_ method: HTTPMethod, _ template: String, access: AccessRequirement, execution: Execution = .workerPool,
                    _ handler: @escaping Handler) {
        var node = root
        for segment in Router.segments(of: template) {
            if segment.hasPrefix("{") && segment.hasSuffix("}") {
                let inner = segment.dropFirst().dropLast()
                let parts = inner.split(separator: ":", maxSplits: 1)
                let name = String(parts[0])
                let kind: ParameterKind = parts.count > 1 && parts[1] == "int" ? .int : .string
                if let existing = node.parameter {
                    precondition(existing.name == name && existing.kind == kind, "conflicting parameter in \(template)")
                    node = existing.node
                } else {
                    let child = Node()
                    node.parameter = (name, kind, child)
                    node = child
                }
            } else {
                if let child = node.fixed[String(segment)] {
                    node = child
                } else {
                    let child = Node()
                    node.fixed[String(segment)] = child
                    node = child
                }
            }
        }
        precondition(node.routes[method] == nil, "route \(method) \(template) registered twice")
        let route = Route(method: method, template: template, access: access, execution: execution, handler: handler)
        node.routes[method] = route
        node.template = template
        routes.append(route)
    }

    /// Registers a handler that answers later from its event loop (see `NonBlockingHandler`).
    public func add(_ method: HTTPMethod, _ template: String, access: AccessRequirement,
                    nonBlocking handler: @escaping NonBlockingHandler) {
        add(method, template, access: access, execution: .nonBlocking(handler)) { _ in
            throw HTTPError(500, "A non-blocking route ran as a blocking one.")
        }
    }

    public func resolve(_ method: HTTPMethod, path: String) -> Resolution {
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
        guard let (name, kind, child) = node.parameter else { return nil }
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
