import HTTP

/// The `errors` of an airports problem answer: at most 100, the schema's `maxItems`. Past that the
/// problems are only counted (no field is even made for them); the answer says how many.
struct ProblemList {
    static let limit = HTTPError.maxListedErrors
    private(set) var fields: [ProblemField] = []
    private(set) var omitted = 0

    var isEmpty: Bool { fields.isEmpty }
    var count: Int { fields.count + omitted }

    /// Made only while the list has room: a file of a million bad rows builds a hundred.
    mutating func append(_ field: @autoclosure () -> ProblemField) {
        if fields.count < ProblemList.limit { fields.append(field()) } else { omitted += 1 }
    }

    /// A 400 with these errors; the answer counts the ones left out (`HTTPError.errorsOmitted`).
    func badRequest(_ detail: String) -> HTTPError {
        var error = HTTPError.badRequest(detail, errors: fields)
        error.errorsOmitted = omitted
        return error
    }
}
