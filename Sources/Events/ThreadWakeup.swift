import CLinux
import Glibc

/// An eventfd one thread waits on (alone or beside libcurl's sockets) and any thread signals.
final class ThreadWakeup: Sendable {
    let fd: Int32

    init() {
        fd = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        precondition(fd >= 0, "eventfd failed: errno \(errno)")
    }

    deinit {
        close(fd)
    }

    func signal() {
        var one: UInt64 = 1
        _ = write(fd, &one, 8)
    }

    /// Waits until signalled or `seconds` pass; clears the signal.
    func wait(seconds: Double) {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(max(0, min(seconds, 3600)) * 1000)
        _ = poll(&poller, 1, milliseconds)
        drain()
    }

    func drain() {
        var count: UInt64 = 0
        _ = read(fd, &count, 8)
    }
}
