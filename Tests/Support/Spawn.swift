import Glibc

/// Runs a program to completion with posix_spawn and waitpid, output discarded; returns its exit
/// status. (Foundation's Process left children unreaped under the test runner.)
public func spawnAndWait(_ program: String, _ arguments: [String], quiet: Bool = true) -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    if quiet {
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    }
    let argv = ([program] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let spawned = withDefaultSignals { posix_spawn(&pid, program, &actions, $0, argv, environ) }
    guard spawned == 0 else { return -1 }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : -1
}

/// Starts a program with its standard error written to `stderrPath`; returns its pid.
public func spawnInBackground(_ program: String, _ arguments: [String], stderrPath: String, environment: [String: String]) -> pid_t? {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    let argv = ([program] + arguments).map { strdup($0) } + [nil]
    let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
    var pid: pid_t = 0
    guard withDefaultSignals({ posix_spawn(&pid, program, &actions, $0, argv, envp) }) == 0 else { return nil }
    return pid
}

/// Spawn attributes that give the child no blocked signals and default handling of each: the test
/// runner (and the server under test) block some, and a child inheriting that mask would never see
/// the SIGTERM that stops it, nor a SIGINT.
public func withDefaultSignals(_ body: (UnsafePointer<posix_spawnattr_t>) -> Int32) -> Int32 {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var none = sigset_t()
    sigemptyset(&none)
    posix_spawnattr_setsigmask(&attributes, &none)
    var all = sigset_t()
    sigfillset(&all)
    posix_spawnattr_setsigdefault(&attributes, &all)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    return body(&attributes)
}

/// Waits for a child and returns its exit status (-1 when a signal ended it).
public func waitForExit(_ pid: pid_t) -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : -1
}

/// A TCP port nobody listens on now: the kernel picks it (bind to port 0), then it is released for
/// the caller. (A random port can be one the kernel just gave to an outgoing connection.)
public func freePort() -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    _ = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return UInt16(bigEndian: address.sin_port)
}

/// Runs a program to completion with `input` on its standard input; returns its exit status and
/// standard output. posix_spawn with close-on-exec socket pairs as pipes (made close-on-exec at
/// once, so no other test's child inherits them): Foundation's `Process` closes descriptors it
/// was handed, a hazard in a test process full of sockets.
public func spawnCapturing(_ program: String, _ arguments: [String], input: [UInt8] = []) -> (status: Int32, output: [UInt8]) {
    var toChild: [Int32] = [-1, -1], fromChild: [Int32] = [-1, -1]
    let kind = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
    guard socketpair(AF_UNIX, kind, 0, &toChild) == 0 else { return (-1, []) }
    guard socketpair(AF_UNIX, kind, 0, &fromChild) == 0 else {
        close(toChild[0]); close(toChild[1])
        return (-1, [])
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
    posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
    let argv = ([program] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let spawned = withDefaultSignals { posix_spawnp(&pid, program, &actions, $0, argv, environ) }
    close(toChild[0])
    close(fromChild[1])
    guard spawned == 0 else {
        close(toChild[1]); close(fromChild[0])
        return (-1, [])
    }
    // The input is written on a thread of its own, so a child that answers as it reads never
    // waits on a full pipe while this thread waits on it.
    let writeEnd = toChild[1]
    var writer = pthread_t()
    let box = Unmanaged.passRetained(InputBox(fd: writeEnd, bytes: input))
    pthread_create(&writer, nil, { raw in
        let box = Unmanaged<InputBox>.fromOpaque(raw!).takeRetainedValue()
        var offset = 0
        while offset < box.bytes.count {
            let written = box.bytes[offset...].withUnsafeBytes { write(box.fd, $0.baseAddress, $0.count) }
            if written <= 0 { break }
            offset += written
        }
        close(box.fd)
        return nil
    }, box.toOpaque())
    var output: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = read(fromChild[0], &chunk, chunk.count)
        if count > 0 { output.append(contentsOf: chunk[0..<count]) } else if count < 0 && errno == EINTR { continue } else { break }
    }
    close(fromChild[0])
    pthread_join(writer, nil)
    return (waitForExit(pid), output)
}

private final class InputBox {
    let fd: Int32
    let bytes: [UInt8]
    init(fd: Int32, bytes: [UInt8]) {
        self.fd = fd
        self.bytes = bytes
    }
}
