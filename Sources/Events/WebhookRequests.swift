import HTTP
import JSON

/// The members of a `POST /webhooks` or `PATCH /webhooks/{id}` body; nil: not given.
struct WebhookChange {
    var url: String?
    var types: [String]?
    var description: String?
    var enabled: Bool?

    static let maxTypes = 100
    static let maxTypeLength = 200
    static let maxDescriptionLength = 1000

    /// Reads and checks a body. `creating`: `url` is required and `enabled` is not taken.
    static func parse(_ body: JSONValue, creating: Bool, policy: WebhookAddressPolicy) throws -> WebhookChange {
        let example = #"{"url": "https://example.com/hooks/insikt", "types": ["insikt.import."], "description": "campaign tool"}"#
        guard case let .object(members) = body else {
            throw HTTPError.badRequest("The body must be a JSON object such as \(example).")
        }
        let known = creating ? ["url", "types", "description"] : ["url", "types", "description", "enabled"]
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
                if member.value == .null {
                    change.types = []
                } else if case let .array(items) = member.value, items.count <= maxTypes,
                          let types = Optional(items.compactMap(\.stringValue)), types.count == items.count,
                          types.allSatisfy({ !$0.isEmpty && $0.count <= maxTypeLength }) {
                    change.types = types
                } else {
                    errors.append(ProblemField(pointer: pointer, detail: "must be a list of at most \(maxTypes) event type prefixes such as [\"insikt.airport.\", \"insikt.import.created\"] (empty or null: every type)"))
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
}
