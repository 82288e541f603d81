import ArgumentParser
import Client

/// `insikt import FILE.json`: a citizens import as a job, with progress.
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send a citizens import (JSON) to a server and follow it to its end.",
        discussion: """
            Sends FILE with a progress bar of the bytes sent, then follows the server's job with a \
            bar of its progress; prints the new import, or the errors (JSON pointer and message). \
            Without a terminal it prints one line per state change. Ctrl-C asks whether to cancel \
            the job. Exit status: 0 stored, 1 refused (a failed job), 2 usage error or server \
            unreachable, 130 interrupted or cancelled.
            """
    )
    @OptionGroup var server: JobClientOptions
    @Argument(help: ArgumentHelp("The import: {\"citizens\": [...]}.", valueName: "FILE.json")) var file: String

    func run() throws {
        let status = JobCommand.run(.importCitizens, file: file, url: server.resolvedURL, key: server.resolvedKey)
        if status != 0 { throw ExitCode(status) }
    }
}
