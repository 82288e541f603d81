/// Town, city and country names given to the demand endpoints: the citizens' rule for a town
/// (1 to 256 characters, no U+0000, at least one letter or digit).
enum PlaceName {
    static let rule = "must be 1 to 256 characters with at least one letter or digit"

    static func isValid(_ text: String) -> Bool {
        var count = 0
        var hasLetterOrDigit = false
        for scalar in text.unicodeScalars {
            if scalar.value == 0 { return false }
            count += 1
            switch scalar.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
                 .decimalNumber, .letterNumber, .otherNumber:
                hasLetterOrDigit = true
            default:
                break
            }
        }
        return count >= 1 && count <= 256 && hasLetterOrDigit
    }
}
