import JSON

/// A job's state (jobs.md): `queued` → `running` → `succeeded` | `failed` | `cancelled`.
public enum JobState: String, Sendable {
    case queued, running, succeeded, failed, cancelled

    public var isTerminal: Bool { self == .succeeded || self == .failed || self == .cancelled }
}

/// What this client reads of a job (`{"data": job}` from `POST … Prefer: respond-async`,
/// `GET /jobs/{id}` and `DELETE /jobs/{id}`).
public struct Job: Sendable {
    /// As the server wrote it (a number, shown as such).
    public var id: String
    public var kind: String
    public var state: JobState
    public var progress: Double
    public var processed: Int64?
    /// What a running job is doing (`reading`, `storing`, `merging`, ...), when the server says.
    public var phase: String?
    public var result: JSONValue?
    public var error: Problem?

    public init(id: String, kind: String, state: JobState, progress: Double = 0, processed: Int64? = nil,
                phase: String? = nil, result: JSONValue? = nil, error: Problem? = nil) {
        self.phase = phase
        self.id = id
        self.kind = kind
        self.state = state
        self.progress = progress
        self.processed = processed
        self.result = result
        self.error = error
    }

    /// The job in an answer's body `{"data": {...}}`, or nil when the body is not one.
    public init?(answer body: [UInt8]) {
        guard let document = try? JSONParser().parse(body), let data = document["data"] else { return nil }
        self.init(json: data)
    }

    public init?(json: JSONValue) {
        guard let idValue = json["id"], let stateText = json["state"]?.stringValue,
              let state = JobState(rawValue: stateText) else { return nil }
        switch idValue {
        case let .number(number): id = number.text
        case let .string(text): id = text
        default: return nil
        }
        kind = json["kind"]?.stringValue ?? ""
        self.state = state
        progress = json["progress"]?.doubleValue ?? 0
        processed = json["processed"]?.int64Value
        phase = json["phase"]?.stringValue
        if let result = json["result"], result != .null { self.result = result }
        if let error = json["error"], error != .null { self.error = Problem(json: error) }
    }
}
