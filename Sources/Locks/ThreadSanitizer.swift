import Glibc

/// ThreadSanitizer's annotations, found when the process runs under it (nil otherwise). Linux's
/// `Mutex` hands a contended lock to its next owner inside the kernel (a priority-inheriting
/// futex), where TSan cannot see it: without being told, it reports the accesses the lock orders.
enum ThreadSanitizer {
    typealias Annotation = @convention(c) (UnsafeRawPointer?) -> Void

    static let acquire = annotation("__tsan_acquire")
    static let release = annotation("__tsan_release")

    private static func annotation(_ name: String) -> Annotation? {
        // RTLD_DEFAULT: the executable and the libraries it loaded.
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), name).map { unsafeBitCast($0, to: Annotation.self) }
    }
}
