import CLinux
import Glibc

/// X-Request-Id: the client's when it is 1-128 characters of `A-Z a-z 0-9 . _ -`, else a new one
/// made of a per-process random prefix, the loop's number and a counter.
struct RequestIDGenerator {
    private static let processPrefix: String = {
        var bytes = [UInt8](repeating: 0, count: 6)
        _ = getrandom(&bytes, bytes.count, 0)
        return bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }()

    private let prefix: String
    private var counter: UInt64 = 0

    init(loop: Int) {
        prefix = "\(RequestIDGenerator.processPrefix)-\(loop)-"
    }

    mutating func next() -> String {
        counter += 1
        return prefix + String(counter, radix: 36)
    }

    static func isAcceptable(_ id: String) -> Bool {
        let utf8 = id.utf8
        guard utf8.count >= 1 && utf8.count <= 128 else { return false }
        for b in utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                continue
            default:
                return false
            }
        }
        return true
    }
}
