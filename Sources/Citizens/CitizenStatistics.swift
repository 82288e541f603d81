/// The birthdays and age percentiles of an import, computed exactly from the rows.
public enum CitizenStatistics {
    /// For each month 1...12, (citizen_id, presents) ordered by citizen_id: a citizen buys one
    /// present for each relative in the month of that relative's birthday.
    public static func birthdays(_ rows: [(id: Int64, month: Int, relatives: [Int64])]) -> [[(Int64, Int)]] {
        var monthById: [Int64: Int] = [:]
        monthById.reserveCapacity(rows.count)
        for row in rows { monthById[row.id] = row.month }
        var counts = [[Int64: Int]](repeating: [:], count: 13)
        for row in rows {
            for relative in row.relatives {
                guard let month = monthById[relative] else { continue }
                counts[month][row.id, default: 0] += 1
            }
        }
        return (1...12).map { month in counts[month].sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
    }

    /// A percentile in hundredths, exact: linear interpolation between closest ranks (numpy's
    /// `linear`, PostgreSQL's `percentile_cont`) of sorted integer ages. Ages are integers and the
    /// percent is whole, so the result has at most two decimals and needs no rounding.
    public static func percentileHundredths(_ sortedAges: [Int], percent: Int) -> Int {
        let position = (sortedAges.count - 1) * percent  // rank in hundredths
        let lower = position / 100
        let fraction = position % 100
        let low = sortedAges[lower]
        let high = sortedAges[min(lower + 1, sortedAges.count - 1)]
        return low * 100 + (high - low) * fraction
    }

    /// p50, p75 and p99 of each town's ages, in hundredths.
    public static func agePercentiles(_ towns: [(town: String, ages: [Int])]) -> [(town: String, p50: Int, p75: Int, p99: Int)] {
        towns.map { town in
            let ages = town.ages.sorted()
            return (town.town, percentileHundredths(ages, percent: 50), percentileHundredths(ages, percent: 75),
                    percentileHundredths(ages, percent: 99))
        }
    }
}
