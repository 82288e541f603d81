/// A hand-made mapping of a town to the airport city (and optionally country) it stands for.
public struct TownAlias: Equatable, Sendable {
    public var town: String
    public var city: String
    public var country: String?

    public init(town: String, city: String, country: String?) {
        self.town = town
        self.city = city
        self.country = country
    }
}
