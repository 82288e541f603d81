import HTTP

/// Which body `GET /airports` and `GET /airports/{id}` answer with: JSON, unless the Accept
/// header prefers `application/geo+json` (RFC 7946) to `application/json`. An Accept naming
/// neither still gets JSON, as before GeoJSON existed.
enum AirportRepresentation {
    case json
    case geoJSON

    static let geoJSONType = "application/geo+json"

    static func of(_ request: Request) -> AirportRepresentation {
        guard let accept = request.headers["Accept"] else { return .json }
        return prefersGeoJSON(accept) ? .geoJSON : .json
    }

    /// True when `application/geo+json` has a higher quality than `application/json`, or the same
    /// quality but named exactly while JSON is matched only by a wildcard.
    static func prefersGeoJSON(_ accept: String) -> Bool {
        let geo = quality("application", "geo+json", in: accept)
        let json = quality("application", "json", in: accept)
        guard geo.q > 0 else { return false }
        return geo.q > json.q || (geo.q == json.q && geo.specificity == 2 && json.specificity < 2)
    }

    /// The quality the most specific matching media range gives (0 when none matches), and how
    /// specific that range is: 2 exact, 1 `type/*`, 0 `*/*`, -1 none.
    static func quality(_ type: String, _ subtype: String, in accept: String) -> (q: Double, specificity: Int) {
        var best: (q: Double, specificity: Int) = (0, -1)
        for element in accept.split(separator: ",") {
            let parts = element.split(separator: ";")
            guard let range = parts.first?.trimmingASCIIWhitespace().lowercased() else { continue }
            let pieces = range.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count == 2 else { continue }
            let specificity: Int
            if pieces[0] == type && pieces[1] == subtype {
                specificity = 2
            } else if pieces[0] == type && pieces[1] == "*" {
                specificity = 1
            } else if pieces[0] == "*" && pieces[1] == "*" {
                specificity = 0
            } else {
                continue
            }
            var q = 1.0
            for parameter in parts.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1)
                if pair.count == 2, pair[0].trimmingASCIIWhitespace().lowercased() == "q" {
                    q = Double(pair[1].trimmingASCIIWhitespace()).flatMap { $0.isFinite ? min(max($0, 0), 1) : nil } ?? 0
                }
            }
            if specificity > best.specificity { best = (q, specificity) }
        }
        return best
    }

    /// Sets `Vary: Accept`: a cache must keep the two bodies of one URL apart.
    static func vary(_ response: inout Response) {
        response.headers.add("Vary", "Accept")
    }
}
