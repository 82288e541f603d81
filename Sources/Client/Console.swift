import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where the client writes. stdout: what happens to the job (bars, state lines, the result, a
/// failed job's errors); stderr: why there is no job, or no longer one being followed.
public protocol Console: AnyObject {
    func out(_ text: String)
    func err(_ text: String)
}

public final class StandardConsole: Console {
    public init() {}

    public func out(_ text: String) {
        fflush(nil)
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    public func err(_ text: String) {
        fflush(nil)
        FileHandle.standardError.write(Data(text.utf8))
    }
}
