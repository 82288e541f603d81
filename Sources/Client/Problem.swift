import Foundation
import JSON

/// An RFC 9457 problem as Insikt writes it: the synchronous refusal of a request, or a failed
/// job's `error`. Each entry of `errors` names a JSON pointer, or a CSV line and column.
public struct Problem: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var pointer: String?
        public var line: Int64?
        public var column: String?
        public var detail: String

        public init(pointer: String? = nil, line: Int64? = nil, column: String? = nil, detail: String) {
            self.pointer = pointer
            self.line = line
            self.column = column
            self.detail = detail
        }
    }

    public var title: String?
    public var status: Int?
    public var detail: String?
    public var errors: [Entry]

    public init(title: String? = nil, status: Int? = nil, detail: String? = nil, errors: [Entry] = []) {
        self.title = title
        self.status = status
        self.detail = detail
        self.errors = errors
    }

    public init?(json: JSONValue) {
        guard case .object = json else { return nil }
        title = json["title"]?.stringValue
        status = json["status"]?.int64Value.map { Int($0) }
        detail = json["detail"]?.stringValue
        errors = []
        if case let .array(entries)? = json["errors"] {
            for entry in entries {
                errors.append(Entry(pointer: entry["pointer"]?.stringValue, line: entry["line"]?.int64Value,
                                    column: entry["column"]?.stringValue,
                                    detail: entry["detail"]?.stringValue ?? entry["message"]?.stringValue ?? "invalid"))
            }
        }
    }

    /// The problem in an error answer; for a body that is not one (a proxy's HTML page, say),
    /// the status and the start of the body.
    public static func of(status: Int, body: [UInt8]) -> Problem {
        if let document = try? JSONParser().parse(body), let problem = Problem(json: document),
           problem.title != nil || problem.detail != nil {
            return problem
        }
        let start = String(decoding: body.prefix(200), as: UTF8.self)
            .split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
        return Problem(title: "HTTP \(status)", status: status, detail: start.isEmpty ? nil : start)
    }
}
