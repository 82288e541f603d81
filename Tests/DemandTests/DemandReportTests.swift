@testable import Demand
import HTTP
import Foundation
import JSON
import Testing
import Dates

@Suite struct DemandReportTests {
    let asOf = CivilDate(year: 2024, month: 3, day: 1)!
    let groups = AgeGroups(bounds: [18, 65])!

    @Test func everyGroupIsPresentWithZerosAndResidentsAreTheirSum() {
        let report = DemandReport.assemble(asOf: asOf, ageGroups: groups, counts: [
            .init(town: "A", group: 0, residents: 2, withRelatives: 1),
            .init(town: "A", group: 2, residents: 3, withRelatives: 0),
            .init(town: "B", group: 1, residents: 0, withRelatives: 0),
        ], airports: [1: [.init(id: 7, name: "B Field", iata: nil, city: "b", country: "X")]])
        #expect(report.ageGroups == [.init(from: 0, to: 18), .init(from: 18, to: 65), .init(from: 65, to: nil)])
        #expect(report.towns.map(\.town) == ["A", "B"])
        #expect(report.towns[0].residents == 5)
        #expect(report.towns[0].groups.map(\.residents) == [2, 0, 3])
        #expect(report.towns[0].groups.map(\.withRelatives) == [1, 0, 0])
        #expect(report.towns[1].residents == 0)
        #expect(report.towns[1].groups.map(\.residents) == [0, 0, 0])
        #expect(report.towns[0].airports.isEmpty)
        #expect(report.towns[1].airports.map(\.id) == [7])
        #expect(report.unmatchedTowns == ["A"])
    }

    @Test func theJSONHasEveryMemberInOrderWithNulls() {
        let report = DemandReport(asOf: asOf, ageGroups: AgeGroups(bounds: [18])!.groups, towns: [
            .init(town: "Sa\"o", residents: 1, groups: [
                .init(group: .init(from: 0, to: 18), residents: 0, withRelatives: 0),
                .init(group: .init(from: 18, to: nil), residents: 1, withRelatives: 1),
            ], airports: [.init(id: 3, name: "N", iata: nil, city: "Sao", country: "Brazil")]),
            .init(town: "Z", residents: 0, groups: [
                .init(group: .init(from: 0, to: 18), residents: 0, withRelatives: 0),
                .init(group: .init(from: 18, to: nil), residents: 0, withRelatives: 0),
            ], airports: []),
        ])
        let text = String(decoding: DemandReportJSON.encode(report), as: UTF8.self)
        #expect(text == #"{"data":{"as_of":"2024-03-01","age_groups":[{"from":0,"to":18},{"from":18,"to":null}],"towns":["#
            + #"{"town":"Sa\"o","residents":1,"groups":[{"from":0,"to":18,"residents":0,"with_relatives":0},"#
            + #"{"from":18,"to":null,"residents":1,"with_relatives":1}],"airports":[{"id":3,"name":"N","iata":null,"city":"Sao","country":"Brazil"}]},"#
            + #"{"town":"Z","residents":0,"groups":[{"from":0,"to":18,"residents":0,"with_relatives":0},"#
            + #"{"from":18,"to":null,"residents":0,"with_relatives":0}],"airports":[]}],"unmatched_towns":["Z"]}}"#)
        #expect((try? JSONParser().parse(DemandReportJSON.encode(report))) != nil)
    }
}

@Suite struct TownAliasBodyTests {
    func parse(_ json: String) throws -> (city: String, country: String?) {
        try TownAliasHandlers.body(try JSONParser().parse(Array(json.utf8)))
    }

    @Test func cityAndOptionalCountry() throws {
        #expect(try parse(#"{"city": "Moscow", "country": "Russia"}"#) == ("Moscow", "Russia"))
        #expect(try parse(#"{"city": "Moscow"}"#) == ("Moscow", nil))
        #expect(try parse(#"{"city": "Moscow", "country": null}"#) == ("Moscow", nil))
    }

    @Test(arguments: [#"[]"#, #"{}"#, #"{"city": ""}"#, #"{"city": "..."}"#, #"{"city": 5}"#, #"{"city": null}"#,
                      #"{"city": "Moscow", "country": ""}"#, #"{"city": "Moscow", "town": "x"}"#,
                      #"{"city": "Moscow", "city": "Paris"}"#])
    func badBodiesAreRefused(_ json: String) {
        #expect(throws: (any Error).self) { try parse(json) }
    }

    @Test func aLocationSegmentIsPercentEncoded() {
        #expect(PercentEncoding.encode("Москва") == "%D0%9C%D0%BE%D1%81%D0%BA%D0%B2%D0%B0")
        #expect(PercentEncoding.encode("St. Louis/x") == "St.%20Louis%2Fx")
    }
}
