import Foundation
import HTTP
import JSON

/// The members of a `POST /sources` or `PATCH /sources/{id}` body (a JSON merge patch); nil: not given.
struct SourceChange {
    var name: String?
    var url: String?
    var kind: SourceKind?
    /// `.some(nil)`: pulled on demand only.
    var every: Int64??
    /// Name and value; `.some([])` clears them.
    var headers: [(name: String, value: String)]?
    var retries: Int64?
    var enabled: Bool?

    static let members = ["name", "url", "kind", "every", "headers", "retries", "enabled"]
    static let example = #"{"name": "OpenFlights airports", "url": "https://example.org/airports.csv", "kind": "airports", "every": 3600}"#
    static let maxHeaders = 20

    /// Reads and checks a body. `creating`: `name`, `url` and `kind` are required.
    static func parse(_ body: JSONValue, creating: Bool, checkURL: (String) -> String?) throws -> SourceChange {
        guard case let .object(members) = body else {
            throw HTTPError.badRequest("The body must be a JSON object such as \(example).")
        }
        var errors: [ProblemField] = []
        var change = SourceChange()
        func refuse(_ pointer: String, _ detail: String) { errors.append(ProblemField(pointer: pointer, detail: detail)) }
        for member in members {
            let pointer = "/" + JSONValue.pointerToken(member.key)
            switch member.key {
            case "name":
                if let name = member.value.stringValue, (1...200).contains(name.count) { change.name = name } else {
                    refuse(pointer, "must be a string of 1 to 200 characters naming the source")
                }
            case "url":
                guard let url = member.value.stringValue else {
                    refuse(pointer, "must be a string: the http or https URL to pull")
                    continue
                }
                if let problem = checkURL(url) { refuse(pointer, problem) } else { change.url = url }
            case "kind":
                if let kind = member.value.stringValue.flatMap(SourceKind.init(rawValue:)) { change.kind = kind } else {
                    refuse(pointer, "must be \"airports\" (the body is what POST /upload takes) or \"citizens\" (what POST /imports takes)")
                }
            case "every":
                if member.value == .null {
                    change.every = .some(nil)
                } else if let seconds = member.value.int64Value, (60...2_592_000).contains(seconds) {
                    change.every = .some(seconds)
                } else {
                    refuse(pointer, "must be whole seconds between scheduled pulls, 60 to 2592000 (30 days), or null for a source pulled only on demand")
                }
            case "headers":
                if member.value == .null {
                    change.headers = []
                } else if case let .object(items) = member.value, items.count <= maxHeaders {
                    var headers: [(name: String, value: String)] = []
                    for item in items {
                        let itemPointer = pointer + "/" + JSONValue.pointerToken(item.key)
                        guard isToken(item.key) else {
                            refuse(itemPointer, "is not a header name (letters, digits and !#$%&'*+-.^_`|~ only)")
                            continue
                        }
                        guard let value = item.value.stringValue, value.utf8.count <= 8192,
                              !value.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 }) else {
                            refuse(itemPointer, "must be a string of at most 8192 bytes without line breaks")
                            continue
                        }
                        headers.append((item.key, value))
                    }
                    change.headers = headers
                } else {
                    refuse(pointer, "must be an object of at most \(maxHeaders) header names and values, such as {\"Authorization\": \"Token abc\"}")
                }
            case "retries":
                if let retries = member.value.int64Value, (0...10).contains(retries) { change.retries = retries } else {
                    refuse(pointer, "must be a whole number of retries from 0 to 10")
                }
            case "enabled":
                if case let .bool(value) = member.value { change.enabled = value } else {
                    refuse(pointer, "must be true or false (false pauses the schedule)")
                }
            default:
                refuse(pointer, "unknown field; a source has \(SourceChange.members.joined(separator: ", "))")
            }
        }
        if creating {
            for required in ["name", "url", "kind"] where !members.contains(where: { $0.key == required }) {
                refuse("/" + required, "is required, as in \(example)")
            }
        }
        guard errors.isEmpty else { throw HTTPError.badRequest("The source is not valid.", errors: errors) }
        return change
    }

    /// RFC 9110's token: a header name.
    static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 256 && text.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || Array("!#$%&'*+-.^_`|~".utf8).contains(c)
        }
    }

    /// The headers as stored: `[{"name", "value"}, ...]`.
    static func headersJSON(_ headers: [(name: String, value: String)]) -> String {
        var w = JSONWriter(capacity: 64 * headers.count + 2)
        w.raw("[")
        for (i, header) in headers.enumerated() {
            if i > 0 { w.raw(",") }
            w.raw("{\"name\":"); w.string(header.name)
            w.raw(",\"value\":"); w.string(header.value)
            w.raw("}")
        }
        w.raw("]")
        return String(decoding: w.bytes, as: UTF8.self)
    }
}
