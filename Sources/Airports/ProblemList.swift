import HTTP

/// The `errors` of an airports problem answer: at most 100, the schema's `maxItems`. Past that the
/// problems are only counted, and the answer's detail says how many were left out.
struct ProblemList {
    static let limit = 100
    private(set) var fields: [ProblemField] = []
    private(set) var omitted = 0

    var isEmpty: Bool { fields.isEmpty }
    var count: Int { fields.count + omitted }

    /// Made only while the list has room: a file of a million bad rows builds a hundred.
    mutating func append(_ field: @autoclosure () -> ProblemField) {
        if fields.count < ProblemList.limit { fields.append(field()) } else { omitted += 1 }
    }

    /// A 400 with these errors; its detail ends with how many are left out, when any are.
    func badRequest(_ detail: String) -> HTTPError {
        guard omitted > 0 else { return .badRequest(detail, errors: fields) }
        return .badRequest("\(detail) \(count) problems were found; the first \(fields.count) are listed, \(omitted) more are left out.",
                           errors: fields)
    }
}
