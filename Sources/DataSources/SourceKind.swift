/// What a source's body is: what `POST /upload` takes, or what `POST /imports` takes.
public enum SourceKind: String, Sendable, CaseIterable {
    case airports, citizens
}
