/// A query string read for a handler: unknown names refused at once, each name given once, and
/// a problem collected for every bad value so that one 400 names them all (`check()`).
public struct QueryParameters {
    /// The items in order, each name once (a repeated one is a problem, not an item).
    public private(set) var items: [(name: String, value: String)] = []
    public private(set) var given = Set<String>()
    private var problems: [ProblemField] = []

    public init(_ request: Request, allowed: Set<String>) throws {
        for item in try request.queryItems(allowed: allowed) {
            if given.insert(item.name).inserted { items.append(item) } else { refuse(item.name, "given more than once") }
        }
    }

    public mutating func refuse(_ name: String, _ detail: String) {
        problems.append(ProblemField(pointer: nil, detail: detail, extra: [("parameter", .string(name))]))
    }

    /// A page size, 1 to 1000; nil (and a problem) otherwise.
    public mutating func pageLimit(_ item: (name: String, value: String)) -> Int? {
        if let value = Int(item.value), (1...1000).contains(value) { return value }
        refuse(item.name, "must be an integer from 1 to 1000")
        return nil
    }

    /// A position or id, 0 or more; nil (and a problem saying `what` it must be) otherwise.
    public mutating func position(_ item: (name: String, value: String), _ what: String) -> Int64? {
        if let value = Int64(item.value), value >= 0 { return value }
        refuse(item.name, "must be \(what)")
        return nil
    }

    /// One of a fixed set of values (an enum's raw values); nil (and a problem listing them) otherwise.
    public mutating func oneOf<T: CaseIterable & RawRepresentable>(_ item: (name: String, value: String), _ type: T.Type) -> T?
    where T.RawValue == String {
        if let value = T(rawValue: item.value) { return value }
        refuse(item.name, "must be one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        return nil
    }

    /// The 400 naming every bad parameter, if there was one.
    public func check() throws {
        guard problems.isEmpty else { throw HTTPError.badRequest("The query is not valid.", errors: problems) }
    }
}
