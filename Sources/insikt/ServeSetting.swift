import App
import Events
import HTTP
import ArgumentParser
import Outgoing

/// One option of `insikt serve`, written once: its flag, its environment variable, what it sets
/// in the configuration, what a value must be, and its help text, whose default is read from a
/// fresh configuration (so `--help` shows the default the server really uses).
struct ServeSetting<Value: ExpressibleByArgument>: Sendable {
    let flag: String
    let environment: String
    let about: String
    /// What a value must be, said when one is not.
    let rule: String
    let isValid: @Sendable (Value) -> Bool
    let set: @Sendable (inout AppConfiguration, Value) -> Void
    /// The default as `--help` shows it (nil: none).
    let shown: @Sendable (AppConfiguration) -> String?

    init(_ flag: String, _ environment: String, _ about: String, rule: String, valid isValid: @escaping @Sendable (Value) -> Bool = { _ in true },
         set: @escaping @Sendable (inout AppConfiguration, Value) -> Void, shown: @escaping @Sendable (AppConfiguration) -> String?) {
        self.flag = flag
        self.environment = environment
        self.about = about
        self.rule = rule
        self.isValid = isValid
        self.set = set
        self.shown = shown
    }

    var name: NameSpecification { .customLong(flag) }

    var help: ArgumentHelp {
        let shownDefault = shown(AppConfiguration(databaseURL: "")).map { ", default: \($0)" } ?? ""
        return ArgumentHelp("\(about) [env: \(environment)\(shownDefault)]", valueName: flag)
    }

    /// The flag's value, else the environment's, checked and set; nothing given keeps the default.
    func apply(_ flagValue: Value?, to configuration: inout AppConfiguration, environment variables: [String: String]) throws {
        var value = flagValue
        var source = "--\(flag)"
        if value == nil, let text = variables[environment], !text.isEmpty {
            source = environment
            guard let parsed = Value(argument: text) else { throw ValidationError("\(environment)=\(text) is not valid: it must be \(rule)") }
            value = parsed
        }
        guard let value else { return }
        guard isValid(value) else { throw ValidationError("\(source) must be \(rule)") }
        set(&configuration, value)
    }
}

/// An on/off option: the flag, or its environment variable set to 1.
struct ServeSwitch: Sendable {
    let flag: String
    let environment: String
    let about: String
    let set: @Sendable (inout AppConfiguration, Bool) -> Void

    init(_ flag: String, _ environment: String, _ about: String, set: @escaping @Sendable (inout AppConfiguration, Bool) -> Void) {
        self.flag = flag
        self.environment = environment
        self.about = about
        self.set = set
    }

    var name: NameSpecification { .customLong(flag) }
    var help: ArgumentHelp { "\(about) [env: \(environment)=1]" }

    func apply(_ flagValue: Bool, to configuration: inout AppConfiguration, environment variables: [String: String]) {
        if flagValue || variables[environment] == "1" { set(&configuration, true) }
    }
}

/// The options with a fixed set of values: ArgumentParser names the allowed ones when a flag has
/// another, and the settings do when a variable has.
enum OnOff: String, CaseIterable, ExpressibleByArgument, Sendable {
    case on, off
}

extension ServerConfiguration.AccessLogFormat: ExpressibleByArgument {}

extension RetrySchedule: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

/// "a, b or c" for the values of an enum option.
func allowed<T: CaseIterable & RawRepresentable>(_ type: T.Type) -> String where T.RawValue == String {
    let names = T.allCases.map(\.rawValue)
    return names.count < 2 ? names.joined() : names.dropLast().joined(separator: ", ") + " or " + (names.last ?? "")
}
