@testable import Charts

/// Chart data shaped like the product's: towns with age percentiles, towns with residents per
/// age group.
enum ChartSamples {
    static let towns = [
        "Москва", "Санкт-Петербург", "Новосибирск", "Екатеринбург", "Казань", "Нижний Новгород",
        "Челябинск", "Красноярск", "Самара", "Уфа", "Ростов-на-Дону", "Омск", "Краснодар", "Воронеж",
        "Пермь", "Волгоград", "Петропавловск-Камчатский", "Saint Petersburg", "São Paulo",
        "Llanfairpwllgwyngyllgogerychwyndrobwllllantysiliogogogoch", "Rio de Janeiro", "Köln",
        "New York City", "Ho Chi Minh City", "東京", "Kraków", "Reykjavík", "Tel Aviv-Yafo",
        "Saint-Rémy-de-Provence", "Ust-Kamenogorsk",
    ]
    static let ageGroups = ["0–17", "18–24", "25–34", "35–44", "45–54", "55–64", "65+"]

    /// Deterministic pseudo-random numbers (no seeded generator in the standard library).
    static func number(_ seed: Int) -> Double {
        var x = UInt64(truncatingIfNeeded: seed &* 2654435761 &+ 12345)
        x ^= x >> 13; x = x &* 0x9E3779B97F4A7C15; x ^= x >> 29
        return Double(x % 10_000) / 10_000
    }

    static func percentiles(count: Int) -> (categories: [String], series: [ChartSeries]) {
        let categories = (0..<count).map { $0 < towns.count ? towns[$0] : "Town \($0)" }
        var p50: [Double] = [], p75: [Double] = [], p99: [Double] = []
        for index in 0..<count {
            let median = 28 + (number(index) * 1200).rounded() / 100
            p50.append(median)
            p75.append(median + (number(index + 1000) * 1000).rounded() / 100)
            p99.append(median + 20 + (number(index + 2000) * 3000).rounded() / 100)
        }
        return (categories, [ChartSeries(name: "p50", values: p50), ChartSeries(name: "p75", values: p75),
                             ChartSeries(name: "p99", values: p99)])
    }

    static func demand(count: Int) -> (categories: [String], series: [ChartSeries]) {
        let categories = (0..<count).map { $0 < towns.count ? towns[$0] : "Town \($0)" }
        let series = ageGroups.enumerated().map { group, name in
            ChartSeries(name: name, values: (0..<count).map { town in
                let size = 2000 / Double(town + 1) + 20
                return (size * (0.3 + number(town * 31 + group))).rounded()
            })
        }
        return (categories, series)
    }
}
