import ArgumentParser
import Client
import Foundation

/// `--url` and `--key` of `insikt import` and `insikt upload`, with their environment fallbacks.
struct JobClientOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The server (env INSIKT_URL; default http://localhost:8080).", valueName: "url"))
    var url: String?
    @Option(help: ArgumentHelp("An editor's or admin's API key (env INSIKT_KEY).", valueName: "key"))
    var key: String?

    var resolvedURL: String {
        url ?? ProcessInfo.processInfo.environment["INSIKT_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? JobCommand.defaultURL
    }

    var resolvedKey: String? {
        key ?? ProcessInfo.processInfo.environment["INSIKT_KEY"].flatMap { $0.isEmpty ? nil : $0 }
    }

    func validate() throws {
        let address = resolvedURL
        guard address.hasPrefix("http://") || address.hasPrefix("https://") else {
            throw ValidationError("--url (or INSIKT_URL) must start with http:// or https://, not \"\(address)\"")
        }
    }
}
