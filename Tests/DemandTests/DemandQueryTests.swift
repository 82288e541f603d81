@testable import Demand
import HTTP
import Routing
import Testing
import Dates

@Suite struct DemandQueryTests {
    let today = CivilDate(year: 2024, month: 5, day: 17)!

    func demand(_ items: [QueryParameters.Item]) throws -> DemandQuery {
        var parameters = try QueryParameters(items: items, allowed: DemandQuery.parameterNames)
        return try DemandQuery(&parameters, today: today)
    }

    @Test func defaultsAreTheStandardGroupsTodayAndEveryCountry() throws {
        let query = try demand([])
        #expect(query == DemandQuery(ageGroups: .standard, asOf: today, country: nil))
    }

    @Test func everyParameterIsRead() throws {
        let query = try demand([("age_groups", "10,20"), ("as_of", "2023-03-01"), ("country", "Brazil")])
        #expect(query.ageGroups.bounds == [10, 20])
        #expect(query.asOf.iso == "2023-03-01")
        #expect(query.country == "Brazil")
    }

    @Test func everyBadParameterIsNamedAtOnce() {
        do {
            _ = try demand([("age_groups", "30,20"), ("as_of", "2023-02-29"), ("country", "--"), ("as_of", "2024-01-01")])
            Issue.record("expected a 400")
        } catch let error as HTTPError {
            #expect(error.status == 400)
            let named = error.errors.map { field in field.extra.first { $0.0 == "parameter" }.map { "\($0.1)" } ?? "" }
            #expect(named.count == 4)
            #expect(named[0].contains("as_of") && error.errors[0].detail == "given more than once")
            #expect(named[1].contains("age_groups") && error.errors[1].detail.contains("ascending"))
            #expect(named[2].contains("as_of") && error.errors[2].detail.contains("YYYY-MM-DD"))
            #expect(named[3].contains("country"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
