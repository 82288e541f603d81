/// Age groups given by their bounds: `[18, 25, 65]` is `[0,18)`, `[18,25)`, `[25,65)`, `[65,∞)`.
public struct AgeGroups: Equatable, Sendable {
    public static let standard = AgeGroups(uncheckedBounds: [18, 25, 35, 45, 55, 65])
    public static let boundCount = 1...20
    public static let boundRange = 1...150

    /// Strictly ascending, each within `boundRange`, `boundCount` of them.
    public let bounds: [Int]

    private init(uncheckedBounds: [Int]) {
        bounds = uncheckedBounds
    }

    public init?(bounds: [Int]) {
        guard AgeGroups.boundCount.contains(bounds.count), bounds.allSatisfy(AgeGroups.boundRange.contains),
              zip(bounds, bounds.dropFirst()).allSatisfy({ $0 < $1 }) else { return nil }
        self.bounds = bounds
    }

    /// `18,25,35` (spaces around a number allowed).
    public init?(parameter text: String) {
        var bounds: [Int] = []
        for piece in text.split(separator: ",", omittingEmptySubsequences: false) {
            let digits = piece.trimmingCharacters(" ")
            guard !digits.isEmpty, digits.count <= 3, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  let bound = Int(digits) else { return nil }
            bounds.append(bound)
        }
        self.init(bounds: bounds)
    }

    /// Every group, the last one open-ended (`to` nil).
    public var groups: [DemandReport.AgeGroup] {
        var result: [DemandReport.AgeGroup] = []
        var from = 0
        for bound in bounds {
            result.append(DemandReport.AgeGroup(from: from, to: bound))
            from = bound
        }
        result.append(DemandReport.AgeGroup(from: from, to: nil))
        return result
    }
}

extension Substring {
    fileprivate func trimmingCharacters(_ character: Character) -> Substring {
        var s = self
        while s.first == character { s = s.dropFirst() }
        while s.last == character { s = s.dropLast() }
        return s
    }
}
