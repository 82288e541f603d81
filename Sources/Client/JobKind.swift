/// What the client sends: a citizens import (`insikt import FILE.json`) or the airports CSV
/// (`insikt upload FILE.csv`).
public enum JobKind: Sendable {
    case importCitizens
    case uploadAirports

    public var path: String {
        switch self {
        case .importCitizens: return "/imports"
        case .uploadAirports: return "/upload"
        }
    }

    public var contentType: String {
        switch self {
        case .importCitizens: return "application/json"
        case .uploadAirports: return "text/csv"
        }
    }
}
