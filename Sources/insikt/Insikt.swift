import ArgumentParser

@main
struct Insikt: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "insikt",
        abstract: "The Insikt REST API server: citizens imports and airports, on PostgreSQL.",
        subcommands: [Serve.self, Migrate.self, Keys.self],
        defaultSubcommand: Serve.self
    )
}
