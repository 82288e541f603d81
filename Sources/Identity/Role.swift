/// What a key may do; each role includes the ones before it (access.md): reader < editor < admin.
public enum Role: String, CaseIterable, Sendable, Comparable {
    case reader, editor, admin

    public static func < (lhs: Role, rhs: Role) -> Bool {
        rank(lhs) < rank(rhs)
    }

    private static func rank(_ role: Role) -> Int {
        allCases.firstIndex(of: role) ?? 0
    }
}
