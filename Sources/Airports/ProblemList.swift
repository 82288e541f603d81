import HTTP
import JSON

/// The `errors` of an airports problem answer: at most 100, the schema's `maxItems`. Past that the
/// problems are only counted: the detail says how many were left out, and so does `errors_omitted`.
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
        var error = HTTPError.badRequest("\(detail) \(count) problems were found; the first \(fields.count) are listed, \(omitted) more are left out.",
                                         errors: fields)
        error.members.append(("errors_omitted", .number(JSONNumber(Int64(omitted)))))
        return error
    }
}
