import HTTP
import JSON

/// Every rule of citizens.md, reporting up to `maxErrors` problems, each with its JSON Pointer.
public struct CitizenValidator {
    public static let maxErrors = 100
    private(set) var errors: [ProblemField] = []
    private let today: CivilDate

    public init(today: CivilDate = .todayUTC()) {
        self.today = today
    }

    private var full: Bool { errors.count >= CitizenValidator.maxErrors }

    private mutating func fail(_ pointer: String, _ detail: String) {
        if !full { errors.append(ProblemField(pointer: pointer, detail: detail)) }
    }

    private func failure(_ detail: String) -> HTTPError {
        HTTPError.badRequest(detail, errors: errors)
    }

    // MARK: whole imports

    /// The citizens of a `POST /imports` body, or a 400 naming every offending field.
    public mutating func validateImport(_ body: JSONValue) throws -> [Citizen] {
        guard case let .object(members) = body else {
            fail("", "the body must be a JSON object with the key citizens")
            throw failure("The body must be {\"citizens\": [...]}.")
        }
        var list: [JSONValue]?
        for member in members {
            if member.key == "citizens" {
                if case let .array(items) = member.value { list = items } else { fail("/citizens", "must be an array") }
            } else {
                fail("/" + JSONValue.pointerToken(member.key), "unknown field")
            }
        }
        if members.first(where: { $0.key == "citizens" }) == nil { fail("/citizens", "is required") }
        guard let list, errors.isEmpty else { throw failure("The import is not valid.") }

        var citizens: [Citizen?] = []
        citizens.reserveCapacity(list.count)
        for (index, item) in list.enumerated() {
            citizens.append(validateCitizen(item, at: "/citizens/\(index)"))
            if full { break }
        }
        if errors.isEmpty { checkRelations(citizens.map { $0! }) }
        guard errors.isEmpty else { throw failure("The import is not valid: \(errors.count == 1 ? "1 problem" : "\(errors.count) problems").") }
        return citizens.map { $0! }
    }

    private mutating func validateCitizen(_ value: JSONValue, at pointer: String) -> Citizen? {
        guard case let .object(members) = value else {
            fail(pointer, "must be an object")
            return nil
        }
        var fields: [String: JSONValue] = [:]
        for member in members {
            if Citizen.fieldNames.contains(member.key) {
                fields[member.key] = member.value
            } else {
                fail(pointer + "/" + JSONValue.pointerToken(member.key), "unknown field")
            }
        }
        for name in Citizen.fieldNames where fields[name] == nil {
            fail(pointer + "/" + name, "is required")
        }
        let errorsBefore = errors.count
        let id = fields["citizen_id"].flatMap { identifier($0, at: pointer + "/citizen_id") }
        let town = fields["town"].flatMap { place($0, at: pointer + "/town") }
        let street = fields["street"].flatMap { place($0, at: pointer + "/street") }
        let building = fields["building"].flatMap { place($0, at: pointer + "/building") }
        let apartment = fields["apartment"].flatMap { identifier($0, at: pointer + "/apartment") }
        let name = fields["name"].flatMap { personName($0, at: pointer + "/name") }
        let birthDate = fields["birth_date"].flatMap { date($0, at: pointer + "/birth_date") }
        let gender = fields["gender"].flatMap { genderValue($0, at: pointer + "/gender") }
        let relatives = fields["relatives"].flatMap { relativeIds($0, at: pointer + "/relatives") }
        guard errors.count == errorsBefore, let id, let town, let street, let building, let apartment, let name,
              let birthDate, let gender, let relatives else { return nil }
        return Citizen(citizenId: id, town: town, street: street, building: building, apartment: apartment,
                       name: name, birthDate: birthDate, gender: gender, relatives: relatives)
    }

    /// Unique ids; every relative exists in the import and lists the citizen back.
    private mutating func checkRelations(_ citizens: [Citizen]) {
        var indexById: [Int64: Int] = [:]
        indexById.reserveCapacity(citizens.count)
        for (index, citizen) in citizens.enumerated() {
            if indexById[citizen.citizenId] != nil {
                fail("/citizens/\(index)/citizen_id", "citizen_id \(citizen.citizenId) appears more than once in the import")
            } else {
                indexById[citizen.citizenId] = index
            }
        }
        guard errors.isEmpty else { return }
        for (index, citizen) in citizens.enumerated() {
            for relative in citizen.relatives {
                guard let other = indexById[relative] else {
                    fail("/citizens/\(index)/relatives", "citizen \(relative) is not in this import")
                    continue
                }
                if citizens[other].relatives.binarySearch(citizen.citizenId) == nil {
                    fail("/citizens/\(index)/relatives",
                         "citizen \(relative) is listed as a relative but does not list \(citizen.citizenId) back")
                }
            }
            if full { return }
        }
    }

    // MARK: patches

    public mutating func validatePatch(_ body: JSONValue) throws -> CitizenPatch {
        guard case let .object(members) = body else {
            fail("", "the body must be a JSON object")
            throw failure("The body must be a JSON object of the fields to change.")
        }
        if members.isEmpty { fail("", "at least one field must be given") }
        var patch = CitizenPatch()
        for member in members {
            let pointer = "/" + JSONValue.pointerToken(member.key)
            switch member.key {
            case "town": patch.town = place(member.value, at: pointer)
            case "street": patch.street = place(member.value, at: pointer)
            case "building": patch.building = place(member.value, at: pointer)
            case "apartment": patch.apartment = identifier(member.value, at: pointer)
            case "name": patch.name = personName(member.value, at: pointer)
            case "birth_date": patch.birthDate = date(member.value, at: pointer)
            case "gender": patch.gender = genderValue(member.value, at: pointer)
            case "relatives": patch.relatives = relativeIds(member.value, at: pointer)
            case "citizen_id": fail(pointer, "citizen_id cannot be changed")
            default: fail(pointer, "unknown field")
            }
        }
        guard errors.isEmpty else { throw failure("The patch is not valid.") }
        return patch
    }

    // MARK: fields

    private mutating func identifier(_ value: JSONValue, at pointer: String) -> Int64? {
        guard case let .number(number) = value, number.isIntegerLiteral else {
            fail(pointer, value == .null ? "must not be null" : "must be an integer")
            return nil
        }
        guard let int = number.int64, int >= 0 else {
            fail(pointer, "must be an integer from 0 to 9223372036854775807")
            return nil
        }
        return int
    }

    private mutating func string(_ value: JSONValue, at pointer: String) -> String? {
        guard case let .string(s) = value else {
            fail(pointer, value == .null ? "must not be null" : "must be a string")
            return nil
        }
        var count = 0
        for scalar in s.unicodeScalars {
            if scalar.value == 0 {
                fail(pointer, "must not contain U+0000")
                return nil
            }
            count += 1
        }
        guard count >= 1 && count <= 256 else {
            fail(pointer, "must be 1 to 256 characters long")
            return nil
        }
        return s
    }

    /// town, street, building: also at least one letter or digit.
    private mutating func place(_ value: JSONValue, at pointer: String) -> String? {
        guard let s = string(value, at: pointer) else { return nil }
        let hasLetterOrDigit = s.unicodeScalars.contains { scalar in
            switch scalar.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
                 .decimalNumber, .letterNumber, .otherNumber:
                return true
            default:
                return false
            }
        }
        guard hasLetterOrDigit else {
            fail(pointer, "must contain at least one letter or digit")
            return nil
        }
        return s
    }

    private mutating func personName(_ value: JSONValue, at pointer: String) -> String? {
        string(value, at: pointer)
    }

    private mutating func date(_ value: JSONValue, at pointer: String) -> CivilDate? {
        guard case let .string(s) = value else {
            fail(pointer, value == .null ? "must not be null" : "must be a string DD.MM.YYYY")
            return nil
        }
        guard let date = CivilDate(dotted: s) else {
            fail(pointer, "must be a real date in DD.MM.YYYY")
            return nil
        }
        guard date <= today else {
            fail(pointer, "must not be after today (\(today.dotted), UTC)")
            return nil
        }
        return date
    }

    private mutating func genderValue(_ value: JSONValue, at pointer: String) -> String? {
        guard case let .string(s) = value else {
            fail(pointer, value == .null ? "must not be null" : "must be a string")
            return nil
        }
        guard s == "male" || s == "female" else {
            fail(pointer, "must be male or female")
            return nil
        }
        return s
    }

    private mutating func relativeIds(_ value: JSONValue, at pointer: String) -> [Int64]? {
        guard case let .array(items) = value else {
            fail(pointer, value == .null ? "must not be null" : "must be an array of citizen ids")
            return nil
        }
        var ids: [Int64] = []
        ids.reserveCapacity(items.count)
        var ok = true
        for (index, item) in items.enumerated() {
            if let id = identifier(item, at: "\(pointer)/\(index)") { ids.append(id) } else { ok = false }
        }
        guard ok else { return nil }
        ids.sort()
        for i in ids.indices.dropFirst() where ids[i] == ids[i - 1] {
            fail(pointer, "citizen \(ids[i]) is listed more than once")
            return nil
        }
        return ids
    }
}

extension Array where Element == Int64 {
    /// The index of `value` in this sorted array.
    func binarySearch(_ value: Int64) -> Int? {
        var low = 0, high = count - 1
        while low <= high {
            let mid = (low + high) / 2
            if self[mid] == value { return mid }
            if self[mid] < value { low = mid + 1 } else { high = mid - 1 }
        }
        return nil
    }
}
