import Foundation

/// Deterministic random imports for tests: realistic strings, symmetric relatives.
public struct CitizenGenerator {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed &+ 0x9E37_79B9_7F4A_7C15
    }

    public mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }

    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    static let towns = ["Москва", "Керчь", "Göteborg", "Malmö", "Åre", "Zürich", "Tromsø", "São Paulo", "東京", "Ørsta"]
    static let streets = ["Льва Толстого", "Storgatan", "Main Street", "Rue de la Paix", "Via Roma"]
    static let names = ["Иванов Иван", "Anna Svensson", "José Núñez", "Zoë O'Brien", "李 小龍", "Quote \"Q\" Back\\slash"]

    /// `count` citizens with ids 1...count and about `links` relative pairs.
    public mutating func citizens(count: Int, links: Int) -> [[String: Any]] {
        var relatives = [Set<Int>](repeating: [], count: count + 1)
        if count > 0 {
            for _ in 0..<links {
                let a = int(1...count), b = int(1...count)
                relatives[a].insert(b)
                relatives[b].insert(a)
            }
        }
        return (1...max(1, count)).prefix(count).map { id in
            [
                "citizen_id": id,
                "town": CitizenGenerator.towns[int(0...CitizenGenerator.towns.count - 1)],
                "street": CitizenGenerator.streets[int(0...CitizenGenerator.streets.count - 1)],
                "building": "\(int(1...200))к\(int(1...9))",
                "apartment": int(1...500),
                "name": CitizenGenerator.names[int(0...CitizenGenerator.names.count - 1)],
                "birth_date": String(format: "%02d.%02d.%04d", int(1...28), int(1...12), int(1940...2020)),
                "gender": int(0...1) == 0 ? "male" : "female",
                "relatives": relatives[id].sorted(),
            ]
        }
    }

    public static func body(_ citizens: [[String: Any]]) -> [UInt8] {
        Array(try! JSONSerialization.data(withJSONObject: ["citizens": citizens]))
    }
}
