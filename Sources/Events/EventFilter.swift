/// Which events a reader of the feed or a webhook wants: event type prefixes
/// (`insikt.airport.`) and whole-segment subject prefixes (`/imports/1` matches `/imports/1` and
/// `/imports/1/citizens/7`, never `/imports/14`; `/imports/1/` only what is below `/imports/1`;
/// `/` everything). Empty lists: everything. Matching looks each
/// prefix of the event's type, and each leading run of its subject's segments, up in a set, so its
/// cost follows the event, not the length of the lists.
struct EventFilter: Sendable {
    private let types: Set<String>
    /// The lengths of the type prefixes (in UTF-8 bytes), the only prefixes of a type worth looking up.
    private let typeLengths: [Int]
    private let subjects: Set<String>

    /// Longest lists a reader or a webhook may give.
    static let maxTypes = 100
    static let maxSubjects = 100
    static let maxLength = 200

    init(types: [String], subjects: [String]) {
        self.types = Set(types)
        typeLengths = Set(types.map(\.utf8.count)).sorted()
        self.subjects = Set(subjects)
    }

    func matches(type: String, subject: String) -> Bool {
        matchesType(type) && matchesSubject(subject)
    }

    private func matchesType(_ type: String) -> Bool {
        guard !types.isEmpty else { return true }
        let bytes = type.utf8
        for length in typeLengths {
            guard length <= bytes.count else { break }
            if let prefix = String(bytes.prefix(length)), types.contains(prefix) { return true }
        }
        return false
    }

    /// The subject's prefixes that end at a segment's end (`/imports/1`, with or without the `/`
    /// after it), each looked up once.
    private func matchesSubject(_ subject: String) -> Bool {
        guard !subjects.isEmpty else { return true }
        let bytes = Array(subject.utf8)
        if subjects.contains(subject) { return true }
        for (i, byte) in bytes.enumerated() where byte == UInt8(ascii: "/") {
            if i > 0 && subjects.contains(String(decoding: bytes[..<i], as: UTF8.self)) { return true }
            if subjects.contains(String(decoding: bytes[...i], as: UTF8.self)) { return true }
        }
        return false
    }

    /// A subject prefix as given, when it is one (it starts with `/`).
    static func subjectPrefix(_ text: String) -> String? {
        text.hasPrefix("/") ? text : nil
    }

    /// The SQL condition (on `aggregateid`, the subject) that matches what `matchesSubject` does
    /// for the prefix parameter `parameter`.
    static func subjectSQL(_ parameter: String) -> String {
        "(aggregateid = \(parameter) OR starts_with(aggregateid, CASE WHEN right(\(parameter), 1) = '/' THEN \(parameter) ELSE \(parameter) || '/' END))"
    }
}
