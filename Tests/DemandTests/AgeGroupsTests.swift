@testable import Demand
import Testing
import Dates

@Suite struct AgeGroupsTests {
    @Test func theStandardBoundsAndTheirGroups() {
        #expect(AgeGroups(parameter: "18,25,35,45,55,65") == AgeGroups.standard)
        let groups = AgeGroups.standard.groups
        #expect(groups.count == 7)
        #expect(groups.first == DemandReport.AgeGroup(from: 0, to: 18))
        #expect(groups.last == DemandReport.AgeGroup(from: 65, to: nil))
        #expect(zip(groups, groups.dropFirst()).allSatisfy { $0.to == $1.from })
    }

    @Test func spacesAroundNumbersAreAccepted() {
        #expect(AgeGroups(parameter: " 18 , 30 ")?.bounds == [18, 30])
        #expect(AgeGroups(parameter: "1")?.groups == [.init(from: 0, to: 1), .init(from: 1, to: nil)])
    }

    @Test(arguments: ["", ",", "18,,25", "25,18", "18,18", "0,5", "151", "1e2", "-5", "+5", "18,25,", "18;25", "x",
                      "0018", (1...21).map(String.init).joined(separator: ",")])
    func malformedBoundsAreRefused(_ text: String) {
        #expect(AgeGroups(parameter: text) == nil)
    }

    @Test func twentyBoundsAreTheMost() {
        #expect(AgeGroups(parameter: (1...20).map { String($0 * 5) }.joined(separator: ","))?.groups.count == 21)
    }
}

@Suite struct CivilDateTests {
    @Test func validDatesRoundTrip() {
        for text in ["2024-02-29", "2023-03-01", "0999-12-31", "9999-01-01", "2000-02-29"] {
            #expect(CivilDate(iso: text)?.iso == text)
        }
        #expect(CivilDate(iso: "2024-03-01")?.number == 20240301)
    }

    @Test(arguments: ["2023-02-29", "1900-02-29", "2024-02-30", "2024-04-31", "2024-13-01", "2024-00-10", "0000-01-01",
                      "2024-3-01", "01.03.2024", "2024-03-01T00:00", "", "２０２４-03-01"])
    func invalidDatesAreRefused(_ text: String) {
        #expect(CivilDate(iso: text) == nil)
    }

    @Test func todayIsARealDate() {
        let today = CivilDate.todayUTC()
        #expect(CivilDate(iso: today.iso) == today)
    }
}
