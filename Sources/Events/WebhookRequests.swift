import HTTP
import JSON
import Outgoing

/// The members of a `POST /webhooks` or `PATCH /webhooks/{id}` body; nil: not given.
struct WebhookChange {
    var url: String?
    var types: [String]?
    var subjects: [String]?
    var description: String?
    var enabled: Bool?

    static let maxDescriptionLength = 1000

    /// Reads and checks a body. `creating`: `url` is required and `enabled` is not taken.
    static func parse(_ body: JSONValue, creating: Bool, policy: AddressPolicy) throws -> WebhookChange {
        let example = #"{"url": "https://example.com/hooks/insikt", "types": ["insikt.import."], "subjects": ["/imports/1"], "description": "campaign tool"}"#
        guard case let .object(members) = body else {
            throw HTTPError.badRequest("The body must be a JSON object such as \(example).")
        }
        let known = creating ? ["url", "types", "subjects", "description"] : ["url", "types", "subjects", "description", "enabled"]
        var errors: [ProblemField] = []
        var change = WebhookChange()
        for member in members {
            let pointer = "/" + JSONValue.pointerToken(member.key)
            switch member.key {
            case "url":
                guard let url = member.value.stringValue else {
                    errors.append(ProblemField(pointer: pointer, detail: "must be a string: the http or https URL to POST events to"))
                    continue
                }
                if let problem = policy.problem(with: url) {
                    errors.append(ProblemField(pointer: pointer, detail: problem))
                } else {
                    change.url = url
                }
            case "types":
                let detail = "must be a list of at most \(EventFilter.maxTypes) event type prefixes of at most \(EventFilter.maxLength) bytes such as [\"insikt.airport.\", \"insikt.import.created\"] (empty or null: every type)"
                if let types = stringList(member.value, max: EventFilter.maxTypes, { $0.isEmpty ? nil : $0 }) {
                    change.types = types
                } else {
                    errors.append(ProblemField(pointer: pointer, detail: detail))
                }
            case "subjects":
                let detail = "must be a list of at most \(EventFilter.maxSubjects) subject prefixes of whole path segments, each at most \(EventFilter.maxLength) bytes, such as [\"/imports/1\", \"/airports\"] (\"/imports/1\" matches /imports/1 and /imports/1/citizens/7, not /imports/14; empty or null: every subject)"
                if let subjects = stringList(member.value, max: EventFilter.maxSubjects, EventFilter.subjectPrefix) {
                    change.subjects = subjects
                } else {
                    errors.append(ProblemField(pointer: pointer, detail: detail))
                }
            case "description":
                if member.value == .null {
                    change.description = ""
                } else if let text = member.value.stringValue, text.count <= maxDescriptionLength {
                    change.description = text
                } else {
                    errors.append(ProblemField(pointer: pointer, detail: "must be a string of at most \(maxDescriptionLength) characters"))
                }
            case "enabled" where !creating:
                if case let .bool(value) = member.value { change.enabled = value } else {
                    errors.append(ProblemField(pointer: pointer, detail: "must be true or false (false pauses the webhook)"))
                }
            default:
                errors.append(ProblemField(pointer: pointer, detail: "unknown field; a webhook has \(known.joined(separator: ", "))"))
            }
        }
        if creating && change.url == nil && !errors.contains(where: { $0.pointer == "/url" }) {
            errors.append(ProblemField(pointer: "/url", detail: "is required: the http or https URL to POST events to"))
        }
        guard errors.isEmpty else { throw HTTPError.badRequest("The webhook is not valid.", errors: errors) }
        return change
    }

    /// A JSON list of at most `max` strings, each at most `EventFilter.maxLength` bytes and
    /// accepted (and normalised) by `normalise`, without repeats, in the order given; null is the
    /// empty list. Nil when it is anything else. The count is checked before any element is read.
    static func stringList(_ value: JSONValue, max: Int, _ normalise: (String) -> String?) -> [String]? {
        if value == .null { return [] }
        guard case let .array(items) = value, items.count <= max else { return nil }
        var seen = Set<String>()
        var list: [String] = []
        for item in items {
            guard let text = item.stringValue, text.utf8.count <= EventFilter.maxLength, let normalised = normalise(text) else { return nil }
            if seen.insert(normalised).inserted { list.append(normalised) }
        }
        return list
    }
}
