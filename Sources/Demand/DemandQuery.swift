import HTTP
import JSON
import Dates

/// The query of `GET .../towns/stat/demand`: `age_groups`, `as_of`, `country`.
public struct DemandQuery: Equatable, Sendable {
    public static let parameterNames: Set<String> = ["age_groups", "as_of", "country"]

    public var ageGroups = AgeGroups.standard
    public var asOf: CivilDate
    /// Narrows every town's airports to this country (compared like town names).
    public var country: String?

    public init(ageGroups: AgeGroups = .standard, asOf: CivilDate, country: String? = nil) {
        self.ageGroups = ageGroups
        self.asOf = asOf
        self.country = country
    }

    /// From the query's items (names already checked against `parameterNames`); a 400 lists
    /// every parameter that is wrong and says what it must be.
    public init(items: [(name: String, value: String)], today: CivilDate) throws {
        asOf = today
        var errors: [ProblemField] = []
        var seen = Set<String>()
        func fail(_ name: String, _ detail: String) {
            errors.append(ProblemField(pointer: nil, detail: detail, extra: [("parameter", .string(name))]))
        }
        for item in items {
            guard seen.insert(item.name).inserted else {
                fail(item.name, "given more than once")
                continue
            }
            switch item.name {
            case "age_groups":
                if let groups = AgeGroups(parameter: item.value) { ageGroups = groups } else {
                    fail("age_groups", "must be \(AgeGroups.boundCount.lowerBound) to \(AgeGroups.boundCount.upperBound) "
                        + "whole numbers from \(AgeGroups.boundRange.lowerBound) to \(AgeGroups.boundRange.upperBound) "
                        + "in ascending order, separated by commas, e.g. 18,25,35,45,55,65 (got \"\(item.value)\")")
                }
            case "as_of":
                if let date = CivilDate(iso: item.value) { asOf = date } else {
                    fail("as_of", "must be a calendar date as YYYY-MM-DD, e.g. 2024-03-01 (got \"\(item.value)\")")
                }
            case "country":
                if PlaceName.isValid(item.value) { country = item.value } else {
                    fail("country", PlaceName.rule)
                }
            default:
                fail(item.name, "unknown parameter")
            }
        }
        guard errors.isEmpty else { throw HTTPError.badRequest("The query is not valid.", errors: errors) }
    }
}
