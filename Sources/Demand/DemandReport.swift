import Dates
/// Demand by town and age group for one import: what `GET .../towns/stat/demand` answers, as a
/// plain value that every encoding (JSON now, SVG and HTML later) renders.
public struct DemandReport: Equatable, Sendable {
    /// `[from, to)` in full years; `to` is nil for the last, open-ended group.
    public struct AgeGroup: Equatable, Sendable {
        public var from: Int
        public var to: Int?

        public init(from: Int, to: Int?) {
            self.from = from
            self.to = to
        }
    }

    public struct GroupCount: Equatable, Sendable {
        public var group: AgeGroup
        /// Residents of the town in this group.
        public var residents: Int
        /// Those of them with at least one relative other than themselves in the import.
        public var withRelatives: Int

        public init(group: AgeGroup, residents: Int, withRelatives: Int) {
            self.group = group
            self.residents = residents
            self.withRelatives = withRelatives
        }
    }

    public struct Airport: Equatable, Sendable {
        public var id: Int64
        public var name: String?
        public var iata: String?
        public var city: String?
        public var country: String?

        public init(id: Int64, name: String?, iata: String?, city: String?, country: String?) {
            self.id = id
            self.name = name
            self.iata = iata
            self.city = city
            self.country = country
        }
    }

    public struct Town: Equatable, Sendable {
        public var town: String
        /// The sum of the groups' residents.
        public var residents: Int
        /// One per age group, in the groups' order, zeros included.
        public var groups: [GroupCount]
        /// Live airports of the town (by its alias or its name), by id.
        public var airports: [Airport]

        public init(town: String, residents: Int, groups: [GroupCount], airports: [Airport]) {
            self.town = town
            self.residents = residents
            self.groups = groups
            self.airports = airports
        }
    }

    public var asOf: CivilDate
    public var ageGroups: [AgeGroup]
    /// Every town of the import, ordered by the code points of the name (as the percentiles are).
    public var towns: [Town]

    public init(asOf: CivilDate, ageGroups: [AgeGroup], towns: [Town]) {
        self.asOf = asOf
        self.ageGroups = ageGroups
        self.towns = towns
    }

    /// The towns without an airport, in the towns' order.
    public var unmatchedTowns: [String] {
        towns.filter { $0.airports.isEmpty }.map(\.town)
    }

    /// One row of the counting query: a town's residents whose age falls in group `group`.
    public struct CountRow: Equatable, Sendable {
        public var town: String
        public var group: Int
        public var residents: Int
        public var withRelatives: Int

        public init(town: String, group: Int, residents: Int, withRelatives: Int) {
            self.town = town
            self.group = group
            self.residents = residents
            self.withRelatives = withRelatives
        }
    }

    /// The report from count rows (grouped by town, towns in order, each town's rows together)
    /// and the airports of each town by the town's position in that order.
    public static func assemble(asOf: CivilDate, ageGroups: AgeGroups, counts: [CountRow],
                                airports: [Int: [Airport]]) -> DemandReport {
        let groups = ageGroups.groups
        var towns: [Town] = []
        for row in counts {
            if towns.last?.town != row.town {
                towns.append(Town(town: row.town, residents: 0,
                                  groups: groups.map { GroupCount(group: $0, residents: 0, withRelatives: 0) },
                                  airports: airports[towns.count] ?? []))
            }
            let index = towns.count - 1
            guard groups.indices.contains(row.group) else { continue }
            towns[index].groups[row.group].residents += row.residents
            towns[index].groups[row.group].withRelatives += row.withRelatives
            towns[index].residents += row.residents
        }
        return DemandReport(asOf: asOf, ageGroups: groups, towns: towns)
    }
}
