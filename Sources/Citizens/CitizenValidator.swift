import HTTP
import JSON
import Dates

/// Every rule of citizens.md, reporting up to `maxErrors` problems, each with its JSON Pointer.
public struct CitizenValidator {
    public static let maxErrors = 100
    private(set) var errors: [ProblemField] = []
    private let today: CivilDate

    public init(today: CivilDate = .todayUTC()) {
        self.today = today
    }

    private var full: Bool { errors.count >= CitizenValidator.maxErrors }

    /// The pointer is built only when a field fails: valid imports make no pointer strings.
    private mutating func fail(_ pointer: @autoclosure () -> String, _ detail: String) {
        if !full { errors.append(ProblemField(pointer: pointer(), detail: detail)) }
    }

    private func failure(_ detail: String) -> HTTPError {
        HTTPError.badRequest(detail, errors: errors)
    }

    // MARK: whole imports, one citizen at a time

    /// Ids and relatives of the citizens seen so far, for the checks that need all of them.
    private var ids: [Int64] = []
    private var relativesById: [[Int64]] = []

    /// True while no error has been found: valid citizens may be stored as they come.
    public var isClean: Bool { errors.isEmpty }

    /// Checks the citizen at `/citizens/index` on its own and remembers what the relation checks need.
    public mutating func citizen(_ value: JSONValue, index: Int) -> Citizen? {
        guard !full else { return nil }
        guard let citizen = validateCitizen(value, at: "/citizens/\(index)") else { return nil }
        ids.append(citizen.citizenId)
        relativesById.append(citizen.relatives)
        return citizen
    }

    /// The checks on the whole body once every citizen has been seen: the top level's other keys,
    /// unique ids, existing and symmetric relatives. Throws the 400 with every error found.
    public mutating func finishImport(_ body: JSONParser.StreamedObject) throws {
        for member in body.members {
            if member.key == "citizens" {
                fail("/citizens", "must be an array")
            } else {
                fail("/" + JSONValue.pointerToken(member.key), "unknown field")
            }
        }
        if !body.sawArray && !body.members.contains(where: { $0.key == "citizens" }) { fail("/citizens", "is required") }
        if errors.isEmpty { checkRelations() }
        guard errors.isEmpty else {
            throw failure("The import is not valid: \(errors.count == 1 ? "1 problem" : "\(errors.count) problems").")
        }
    }

    private mutating func validateCitizen(_ value: JSONValue, at pointer: @autoclosure () -> String) -> Citizen? {
        guard case let .object(members) = value else {
            fail(pointer(), "must be an object")
            return nil
        }
        var fields = [JSONValue?](repeating: nil, count: Citizen.fieldNames.count)
        for member in members {
            if let slot = Citizen.fieldNames.firstIndex(of: member.key) {
                fields[slot] = member.value
            } else {
                fail(pointer() + "/" + JSONValue.pointerToken(member.key), "unknown field")
            }
        }
        for (slot, name) in Citizen.fieldNames.enumerated() where fields[slot] == nil {
            fail(pointer() + "/" + name, "is required")
        }
        let errorsBefore = errors.count
        let id = fields[0].flatMap { identifier($0, at: pointer() + "/citizen_id") }
        let town = fields[1].flatMap { place($0, at: pointer() + "/town") }
        let street = fields[2].flatMap { place($0, at: pointer() + "/street") }
        let building = fields[3].flatMap { place($0, at: pointer() + "/building") }
        let apartment = fields[4].flatMap { identifier($0, at: pointer() + "/apartment") }
        let name = fields[5].flatMap { personName($0, at: pointer() + "/name") }
        let birthDate = fields[6].flatMap { date($0, at: pointer() + "/birth_date") }
        let gender = fields[7].flatMap { genderValue($0, at: pointer() + "/gender") }
        let relatives = fields[8].flatMap { relativeIds($0, at: pointer() + "/relatives") }
        guard errors.count == errorsBefore, let id, let town, let street, let building, let apartment, let name,
              let birthDate, let gender, let relatives else { return nil }
        return Citizen(citizenId: id, town: town, street: street, building: building, apartment: apartment,
                       name: name, birthDate: birthDate, gender: gender, relatives: relatives)
    }

    private mutating func checkRelations() {
        var indexById: [Int64: Int] = [:]
        indexById.reserveCapacity(ids.count)
        for (index, id) in ids.enumerated() {
            if indexById[id] != nil {
                fail("/citizens/\(index)/citizen_id", "citizen_id \(id) appears more than once in the import")
            } else {
                indexById[id] = index
            }
        }
        guard errors.isEmpty else { return }
        for (index, id) in ids.enumerated() {
            for relative in relativesById[index] {
                guard let other = indexById[relative] else {
                    fail("/citizens/\(index)/relatives", "citizen \(relative) is not in this import")
                    continue
                }
                if relativesById[other].binarySearch(id) == nil {
                    fail("/citizens/\(index)/relatives", "citizen \(relative) is listed as a relative but does not list \(id) back")
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

    private mutating func identifier(_ value: JSONValue, at pointer: @autoclosure () -> String) -> Int64? {
        guard case let .number(number) = value, number.isIntegerLiteral else {
            fail(pointer(), value == .null ? "must not be null" : "must be an integer")
            return nil
        }
        guard let int = number.int64, int >= 0 else {
            fail(pointer(), "must be an integer from 0 to 9223372036854775807")
            return nil
        }
        return int
    }

    private mutating func string(_ value: JSONValue, at pointer: @autoclosure () -> String) -> String? {
        guard case let .string(s) = value else {
            fail(pointer(), value == .null ? "must not be null" : "must be a string")
            return nil
        }
        // On the UTF-8 bytes: U+0000 is the byte 0, and every scalar has one lead byte.
        var text = s
        let (count, hasNUL) = text.withUTF8 { utf8 -> (Int, Bool) in
            var count = 0
            for b in utf8 {
                if b == 0 { return (count, true) }
                if b & 0xC0 != 0x80 { count += 1 }
            }
            return (count, false)
        }
        if hasNUL {
            fail(pointer(), "must not contain U+0000")
            return nil
        }
        guard count >= 1 && count <= 256 else {
            fail(pointer(), "must be 1 to 256 characters long")
            return nil
        }
        return s
    }

    /// town, street, building: also at least one letter or digit.
    private mutating func place(_ value: JSONValue, at pointer: @autoclosure () -> String) -> String? {
        guard let s = string(value, at: pointer()) else { return nil }
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
            fail(pointer(), "must contain at least one letter or digit")
            return nil
        }
        return s
    }

    private mutating func personName(_ value: JSONValue, at pointer: @autoclosure () -> String) -> String? {
        string(value, at: pointer())
    }

    private mutating func date(_ value: JSONValue, at pointer: @autoclosure () -> String) -> CivilDate? {
        guard case let .string(s) = value else {
            fail(pointer(), value == .null ? "must not be null" : "must be a string DD.MM.YYYY")
            return nil
        }
        guard let date = CivilDate(dotted: s) else {
            fail(pointer(), "must be a real date in DD.MM.YYYY")
            return nil
        }
        guard date <= today else {
            fail(pointer(), "must not be after today (\(today.dotted), UTC)")
            return nil
        }
        return date
    }

    private mutating func genderValue(_ value: JSONValue, at pointer: @autoclosure () -> String) -> String? {
        guard case let .string(s) = value else {
            fail(pointer(), value == .null ? "must not be null" : "must be a string")
            return nil
        }
        guard s == "male" || s == "female" else {
            fail(pointer(), "must be male or female")
            return nil
        }
        return s
    }

    private mutating func relativeIds(_ value: JSONValue, at pointer: @autoclosure () -> String) -> [Int64]? {
        guard case let .array(items) = value else {
            fail(pointer(), value == .null ? "must not be null" : "must be an array of citizen ids")
            return nil
        }
        var ids: [Int64] = []
        ids.reserveCapacity(items.count)
        var ok = true
        for (index, item) in items.enumerated() {
            if let id = identifier(item, at: "\(pointer())/\(index)") { ids.append(id) } else { ok = false }
        }
        guard ok else { return nil }
        ids.sort()
        for i in ids.indices.dropFirst() where ids[i] == ids[i - 1] {
            fail(pointer(), "citizen \(ids[i]) is listed more than once")
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
