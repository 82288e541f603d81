import HTTP

/// A query string read for a handler — the one reader every route uses: unknown names refused at
/// once, each name given once, and a problem collected for every bad value so that one 400 names
/// them all (`check()`), at most `HTTPError.maxListedErrors` of them and a count of the rest.
public struct QueryParameters {
    public typealias Item = (name: String, value: String)

    /// The items in order, each name once (a repeated one is a problem, not an item).
    public private(set) var items: [Item] = []
    public private(set) var given = Set<String>()
    private var problems: [ProblemField] = []
    private var omitted = 0

    public init(_ request: Request, allowed: Set<String>) throws {
        try self.init(items: request.queryItems(), allowed: allowed)
    }

    /// From decoded items (a request's, or a test's).
    public init(items: [Item], allowed: Set<String>) throws {
        var unknown = QueryParameters()
        for item in items where !allowed.contains(item.name) { unknown.refuse(item.name, "unknown parameter") }
        try unknown.check("Unknown query parameters.")
        for item in items {
            if given.insert(item.name).inserted { self.items.append(item) } else { refuse(item.name, "given more than once") }
        }
    }

    private init() {}

    public mutating func refuse(_ name: String, _ detail: @autoclosure () -> String) {
        guard problems.count < HTTPError.maxListedErrors else {
            omitted += 1
            return
        }
        problems.append(ProblemField(pointer: nil, detail: detail(), extra: [("parameter", .string(name))]))
    }

    /// A page size, 1 to 1000; nil (and a problem) otherwise.
    public mutating func pageLimit(_ item: Item) -> Int? {
        if let value = Int(item.value), (1...1000).contains(value) { return value }
        refuse(item.name, "must be an integer from 1 to 1000")
        return nil
    }

    /// A position or id, 0 or more; nil (and a problem saying `what` it must be) otherwise.
    public mutating func position(_ item: Item, _ what: String) -> Int64? {
        if let value = Int64(item.value), value >= 0 { return value }
        refuse(item.name, "must be \(what)")
        return nil
    }

    /// `true` or `false`; nil (and a problem) otherwise.
    public mutating func bool(_ item: Item) -> Bool? {
        switch item.value {
        case "true": return true
        case "false": return false
        default:
            refuse(item.name, "must be true or false")
            return nil
        }
    }

    /// One of a fixed set of values (an enum's raw values); nil (and a problem listing them) otherwise.
    public mutating func oneOf<T: CaseIterable & RawRepresentable>(_ item: Item, _ type: T.Type) -> T?
    where T.RawValue == String {
        if let value = T(rawValue: item.value) { return value }
        refuse(item.name, "must be one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        return nil
    }

    /// The 400 naming every bad parameter, if there was one.
    public func check(_ detail: String = "The query is not valid.") throws {
        guard problems.isEmpty && omitted == 0 else {
            var error = HTTPError.badRequest(detail, errors: problems)
            error.errorsOmitted = omitted
            throw error
        }
    }
}

extension Request {
    /// The query's items, refusing names outside `allowed` with a 400 that lists each of them
    /// (`QueryParameters`, for a route that reads no parameter or reads them its own way).
    public func queryItems(allowed: Set<String>) throws -> [(name: String, value: String)] {
        let items = try queryItems()
        _ = try QueryParameters(items: items, allowed: allowed)
        return items
    }
}
