import Glibc

/// A calendar date without time or zone: citizens' birth dates, the day a report is computed for.
public struct CivilDate: Equatable, Comparable, Sendable {
    public let year: Int
    public let month: Int
    public let day: Int

    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1, day <= CivilDate.daysIn(month: month, year: year) else {
            return nil
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Exactly `DD.MM.YYYY`, zero-padded, a real calendar date.
    public init?(dotted text: String) {
        let b = Array(text.utf8)
        guard b.count == 10, b[2] == UInt8(ascii: "."), b[5] == UInt8(ascii: "."),
              let d = CivilDate.digits(b, 0..<2), let m = CivilDate.digits(b, 3..<5), let y = CivilDate.digits(b, 6..<10) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// Exactly `YYYY-MM-DD`, zero-padded, a real calendar date (as PostgreSQL prints one).
    public init?(iso text: String) {
        let b = Array(text.utf8)
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
              let y = CivilDate.digits(b, 0..<4), let m = CivilDate.digits(b, 5..<7), let d = CivilDate.digits(b, 8..<10) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public var dotted: String {
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let y = String(year)
        return "\(two(day)).\(two(month)).\(String(repeating: "0", count: max(0, 4 - y.count)))\(y)"
    }

    public var iso: String {
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let y = String(year)
        return "\(String(repeating: "0", count: max(0, 4 - y.count)))\(y)-\(two(month))-\(two(day))"
    }

    /// "7 December 2026": for people, with no order of day and month to guess.
    public var inWords: String {
        let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                      "October", "November", "December"]
        return "\(day) \(months[month - 1]) \(year)"
    }

    /// YYYYMMDD as a number: full years between two dates are the difference of these numbers
    /// divided by 10000 (the rule of the percentile and demand endpoints).
    public var number: Int { year * 10000 + month * 100 + day }

    public static func < (a: CivilDate, b: CivilDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    /// Today's date in UTC.
    public static func todayUTC() -> CivilDate {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        return CivilDate(year: Int(parts.tm_year) + 1900, month: Int(parts.tm_mon) + 1, day: Int(parts.tm_mday))!
    }

    /// Full years from this date to `today`: someone born on 29 February gains a year on 1 March
    /// in common years.
    public func age(on today: CivilDate) -> Int {
        var years = today.year - year
        if (today.month, today.day) < (month, day) { years -= 1 }
        return years
    }

    static func digits(_ b: [UInt8], _ range: Range<Int>) -> Int? {
        var value = 0
        for i in range {
            guard b[i] >= 0x30 && b[i] <= 0x39 else { return nil }
            value = value * 10 + Int(b[i] - 0x30)
        }
        return value
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
