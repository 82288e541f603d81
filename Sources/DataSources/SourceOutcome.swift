/// How a run ended (`GET /sources/{id}/runs`).
public enum SourceOutcome: String, Sendable, CaseIterable {
    case loaded, unchanged, failed, cancelled
}
