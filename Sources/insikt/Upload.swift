import ArgumentParser
import Client

/// `insikt upload FILE.csv`: the airports CSV as a job, with progress.
struct Upload: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send the airports CSV (OpenFlights) to a server and follow it to its end.",
        discussion: """
            Sends FILE with a progress bar of the bytes sent, then follows the server's job with a \
            bar of its rows; prints the rows inserted and updated, or the errors (line, column and \
            message). Without a terminal it prints one line per state change. Ctrl-C asks whether \
            to cancel the job. Exit status: 0 stored, 1 refused (a failed job), 2 usage error or \
            server unreachable, 130 interrupted or cancelled.
            """
    )
    @OptionGroup var server: JobClientOptions
    @Argument(help: ArgumentHelp("The airports, as OpenFlights' airports.dat.", valueName: "FILE.csv")) var file: String

    func run() throws {
        let status = JobCommand.run(.uploadAirports, file: file, url: server.resolvedURL, key: server.resolvedKey)
        if status != 0 { throw ExitCode(status) }
    }
}
