import HTTP
import JSON
import Dates
import Routing

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

    /// From the query's parameters (read by `QueryParameters`, which refused unknown and repeated
    /// names); a 400 lists every parameter that is wrong and says what it must be. Other allowed
    /// names (the chart's `format`) are left to their readers.
    public init(_ query: inout QueryParameters, today: CivilDate) throws {
        asOf = today
        for item in query.items {
            switch item.name {
            case "age_groups":
                if let groups = AgeGroups(parameter: item.value) { ageGroups = groups } else {
                    query.refuse("age_groups", "must be \(AgeGroups.boundCount.lowerBound) to \(AgeGroups.boundCount.upperBound) "
                        + "whole numbers from \(AgeGroups.boundRange.lowerBound) to \(AgeGroups.boundRange.upperBound) "
                        + "in ascending order, separated by commas, e.g. 18,25,35,45,55,65 (got \"\(item.value)\")")
                }
            case "as_of":
                if let date = CivilDate(iso: item.value) { asOf = date } else {
                    query.refuse("as_of", "must be a calendar date as YYYY-MM-DD, e.g. 2024-03-01 (got \"\(item.value)\")")
                }
            case "country":
                if PlaceName.isValid(item.value) { country = item.value } else {
                    query.refuse("country", PlaceName.rule)
                }
            default:
                break
            }
        }
        try query.check()
    }
}
