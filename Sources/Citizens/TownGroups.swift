import Glibc

/// Values grouped by town, the town given as bytes borrowed from a database row. An open-addressing
/// table of indexes, hashed over the raw bytes, so a row whose town was seen already costs no
/// allocation (a dictionary keyed by byte arrays needs a new array for every lookup).
struct TownGroups {
    private(set) var towns: [[UInt8]] = []
    private(set) var values: [[Int]] = []
    private var slots = [Int](repeating: -1, count: 64)

    mutating func add(_ value: Int, to town: UnsafeBufferPointer<UInt8>) {
        var i = TownGroups.hash(town) & (slots.count - 1)
        while slots[i] >= 0 {
            let group = slots[i]
            if TownGroups.equal(towns[group], town) {
                values[group].append(value)
                return
            }
            i = (i + 1) & (slots.count - 1)
        }
        slots[i] = towns.count
        towns.append(Array(town))
        values.append([value])
        if towns.count * 2 > slots.count { rehash() }
    }

    private mutating func rehash() {
        slots = [Int](repeating: -1, count: slots.count * 2)
        for (group, town) in towns.enumerated() {
            var i = town.withUnsafeBufferPointer { TownGroups.hash($0) } & (slots.count - 1)
            while slots[i] >= 0 { i = (i + 1) & (slots.count - 1) }
            slots[i] = group
        }
    }

    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var hasher = Hasher()
        hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
        return hasher.finalize()
    }

    private static func equal(_ stored: [UInt8], _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard stored.count == bytes.count else { return false }
        guard !bytes.isEmpty else { return true }
        return stored.withUnsafeBufferPointer { memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 }
    }
}
