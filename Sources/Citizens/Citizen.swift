import Dates
/// One citizen of an import.
public struct Citizen: Equatable, Sendable {
    public var citizenId: Int64
    public var town: String
    public var street: String
    public var building: String
    public var apartment: Int64
    public var name: String
    public var birthDate: CivilDate
    public var gender: String
    /// Sorted ascending, without duplicates.
    public var relatives: [Int64]

    public static let fieldNames = ["citizen_id", "town", "street", "building", "apartment", "name", "birth_date", "gender", "relatives"]
}

/// The fields a PATCH may carry; nil means "leave as it is".
public struct CitizenPatch: Sendable {
    public var town: String?
    public var street: String?
    public var building: String?
    public var apartment: Int64?
    public var name: String?
    public var birthDate: CivilDate?
    public var gender: String?
    public var relatives: [Int64]?
}
