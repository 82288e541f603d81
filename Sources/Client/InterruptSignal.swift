import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-C presses not handled yet. (A global: a signal handler cannot capture context.)
private let pendingInterrupts = Atomic<Int>(0)

/// SIGINT turned into a flag the client polls: between polls, in libcurl's progress callback,
/// and while it reads an answer from the terminal.
public enum InterruptSignal {
    public static func install() {
        _ = pendingInterrupts.load(ordering: .relaxed)
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in pendingInterrupts.add(1, ordering: .relaxed) }
        sigemptyset(&action.sa_mask)
        // No SA_RESTART: a read from the terminal returns (EINTR) on a second Ctrl-C.
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
    }

    /// True once per Ctrl-C pressed since the last call.
    public static func take() -> Bool {
        pendingInterrupts.exchange(0, ordering: .relaxed) > 0
    }
}
