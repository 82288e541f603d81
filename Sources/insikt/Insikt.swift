import ArgumentParser
import Foundation

@main
struct Insikt: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "insikt",
        abstract: "The Insikt REST API server: citizens imports and airports, on PostgreSQL.",
        subcommands: [Serve.self, Migrate.self, Keys.self, Import.self, Upload.self],
        defaultSubcommand: Serve.self
    )

    /// The clients (`import`, `upload`) exit 2 on a usage error, as their help says (1 is a
    /// refused import); the other commands keep ArgumentParser's 64.
    static let clientCommands: Set<String> = ["import", "upload"]

    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure,
               let name = CommandLine.arguments.dropFirst().first, clientCommands.contains(name) {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
