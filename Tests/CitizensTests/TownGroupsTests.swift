@testable import Citizens
import Testing

@Suite struct TownGroupsTests {
    /// Against a dictionary, with enough towns to grow the table several times, towns that share
    /// prefixes, differ only in case or by one byte, and an empty one.
    @Test func groupsAsADictionaryWould() {
        var towns = (0..<500).map { "Town \($0)" } + ["", "a", "A", "ab", "abc", "Åre", "Are", "Москва", "🙂"]
        towns.shuffle()
        var groups = TownGroups()
        var expected: [String: [Int]] = [:]
        for value in 0..<5_000 {
            let town = towns.randomElement()!
            expected[town, default: []].append(value)
            Array(town.utf8).withUnsafeBufferPointer { groups.add(value, to: $0) }
        }
        let found = Dictionary(uniqueKeysWithValues: zip(groups.towns.map { String(decoding: $0, as: UTF8.self) }, groups.values))
        #expect(found == expected)
        #expect(groups.towns.count == expected.count)
    }
}
