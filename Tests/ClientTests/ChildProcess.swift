import Foundation
import Glibc
import TestSupport

/// Starts a program found on PATH with default signal handling (`withDefaultSignals`).
/// stdin reads /dev/null; stdout and stderr go to `outputPath` (or /dev/null).
func spawnChild(_ arguments: [String], environment: [String: String], outputPath: String? = nil) -> pid_t? {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outputPath ?? "/dev/null", O_WRONLY | O_APPEND, 0)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let argv = arguments.map { strdup($0) } + [nil]
    let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
    var pid: pid_t = 0
    guard withDefaultSignals({ posix_spawnp(&pid, arguments[0], &actions, $0, argv, envp) }) == 0 else { return nil }
    return pid
}
