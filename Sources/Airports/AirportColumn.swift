/// The columns of an airport, in the CSV's order; JSON names are the CSV names in lower case.
public enum AirportColumn: Int, CaseIterable, Sendable {
    case id, name, city, country, iata, icao, latitude, longitude, altitude, timezone, dst, tz, type, source

    public enum Kind: Sendable {
        case identifier, text, latitude, longitude, integer, number, dst
    }

    public var name: String {
        switch self {
        case .id: return "id"
        case .name: return "name"
        case .city: return "city"
        case .country: return "country"
        case .iata: return "iata"
        case .icao: return "icao"
        case .latitude: return "latitude"
        case .longitude: return "longitude"
        case .altitude: return "altitude"
        case .timezone: return "timezone"
        case .dst: return "dst"
        case .tz: return "tz"
        case .type: return "type"
        case .source: return "source"
        }
    }

    /// As the CSV header writes it.
    public var csvName: String { self == .dst ? "DST" : name }

    public var kind: Kind {
        switch self {
        case .id: return .identifier
        case .latitude: return .latitude
        case .longitude: return .longitude
        case .altitude: return .integer
        case .timezone: return .number
        case .dst: return .dst
        default: return .text
        }
    }

    /// Needed to create an airport (through the API; uploads need only id, latitude, longitude).
    public var requiredOnCreate: Bool {
        switch self {
        case .name, .city, .country, .latitude, .longitude: return true
        default: return false
        }
    }

    public static let dstValues: Set<String> = ["E", "A", "S", "O", "Z", "N", "U"]

    /// The largest id: 18 digits, so the ids the server picks above it still fit a bigint.
    public static let maxID: Int64 = 999_999_999_999_999_999

    /// The values a numeric column takes, as error details state them after "must be ".
    public var allowedValues: String {
        switch self {
        case .id: return "an integer from 0 to \(AirportColumn.maxID)"
        case .altitude: return "an integer from \(Int32.min) to \(Int32.max) (feet)"
        case .latitude: return "a number from -90 to 90"
        case .longitude: return "a number from -180 to 180"
        case .timezone: return "a number from -24 to 24 (hours from UTC)"
        default: return "text"
        }
    }

    /// The bound of a column whose numbers lie in [-bound, bound].
    var symmetricBound: Double? {
        switch self {
        case .latitude: return 90
        case .longitude: return 180
        case .timezone: return 24
        default: return nil
        }
    }

    /// `DST` is accepted on input as well as `dst`.
    public init?(fieldName: String) {
        if fieldName == "DST" { self = .dst; return }
        guard let column = AirportColumn.allCases.first(where: { $0.name == fieldName }) else { return nil }
        self = column
    }
}

/// A validated value of one column.
public enum AirportValue: Equatable, Sendable {
    case null
    case text(String)
    case integer(Int64)
    case number(Double)

    /// As a query parameter (text format).
    var parameter: String? {
        switch self {
        case .null: return nil
        case let .text(s): return s
        case let .integer(i): return String(i)
        case let .number(d): return "\(d)"
        }
    }
}
