@testable import Citizens
import Testing
import Dates

@Suite struct CitizenStatisticsTests {
    @Test func datesParseOnlyZeroPaddedRealDates() {
        #expect(CivilDate(dotted: "29.02.2000") != nil)
        #expect(CivilDate(dotted: "29.02.1900") == nil)
        #expect(CivilDate(dotted: "29.02.2019") == nil)
        #expect(CivilDate(dotted: "31.04.2019") == nil)
        #expect(CivilDate(dotted: "1.01.2019") == nil)
        #expect(CivilDate(dotted: "01.01.0000") == nil)
        #expect(CivilDate(dotted: "26.12.1986")?.iso == "1986-12-26")
        #expect(CivilDate(iso: "0987-03-04")?.dotted == "04.03.0987")
    }

    @Test func ageCountsFullYearsAndLeapDayBirthdaysTurnOnTheFirstOfMarch() {
        let leap = CivilDate(year: 2000, month: 2, day: 29)!
        #expect(leap.age(on: CivilDate(year: 2021, month: 2, day: 28)!) == 20)
        #expect(leap.age(on: CivilDate(year: 2021, month: 3, day: 1)!) == 21)
        #expect(leap.age(on: CivilDate(year: 2024, month: 2, day: 29)!) == 24)
        let born = CivilDate(year: 1986, month: 12, day: 26)!
        #expect(born.age(on: CivilDate(year: 2026, month: 12, day: 25)!) == 39)
        #expect(born.age(on: CivilDate(year: 2026, month: 12, day: 26)!) == 40)
    }

    @Test func percentilesInterpolateLinearlyAndExactly() {
        #expect(CitizenStatistics.percentileHundredths([29, 39], percent: 50) == 3400)
        #expect(CitizenStatistics.percentileHundredths([29, 39], percent: 75) == 3650)
        #expect(CitizenStatistics.percentileHundredths([29, 39], percent: 99) == 3890)
        #expect(CitizenStatistics.percentileHundredths([7], percent: 99) == 700)
        #expect(CitizenStatistics.percentileHundredths([1, 2, 3, 4, 100], percent: 99) == 9616)
    }

    @Test func hundredthsAreWrittenAsShortDecimals() {
        func text(_ v: Int) -> String {
            var w = JSONWriterBox()
            return w.write(v)
        }
        #expect(text(3400) == "34")
        #expect(text(3650) == "36.5")
        #expect(text(3625) == "36.25")
        #expect(text(3605) == "36.05")
        #expect(text(5) == "0.05")
    }

    @Test func birthdaysCountPresentsByTheRelativesMonth() {
        let months = CitizenStatistics.birthdays([(1, 12, [2]), (2, 4, [1]), (3, 11, [3])])
        #expect(months[3].map { $0.0 } == [1])
        #expect(months[11].map { $0.0 } == [2])
        #expect(months[10].map { $0.0 } == [3])
        #expect(months[0].isEmpty)
    }
}

import JSON

struct JSONWriterBox {
    mutating func write(_ hundredths: Int) -> String {
        var w = JSONWriter()
        AgePercentilesHandler.writeHundredths(hundredths, to: &w)
        return String(decoding: w.bytes, as: UTF8.self)
    }
}
