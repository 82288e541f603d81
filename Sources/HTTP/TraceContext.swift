import CLinux
import Glibc

/// W3C Trace Context (what OpenTelemetry speaks): the trace a request belongs to and this
/// server's span in it. A valid incoming `traceparent` keeps its trace id and flags and gets a new
/// span id (this server's); an absent or invalid one starts a new trace. Kept as numbers; text
/// only when written out.
public struct TraceContext: Sendable, Equatable {
    let traceHigh: UInt64
    let traceLow: UInt64
    let span: UInt64
    /// Bit 0 is "sampled".
    let flags: UInt8

    /// 32 lowercase hex digits, never all zeros.
    public var traceId: String { Hex.text(traceHigh) + Hex.text(traceLow) }
    /// 16 lowercase hex digits: this server's span.
    public var spanId: String { Hex.text(span) }

    /// The `traceparent` header value of this span: what goes on events, jobs and webhooks.
    public var traceparent: String {
        String(unsafeUninitializedCapacity: 55) { out in
            write(into: out)
            return 55
        }
    }

    /// Appends the 55 bytes of `traceparent` (the answer's header and the access log write them
    /// straight into their buffers: no string on the request path).
    func append(to bytes: inout [UInt8]) {
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: 55))
        bytes.withUnsafeMutableBufferPointer { write(into: UnsafeMutableBufferPointer(rebasing: $0[start...])) }
    }

    /// `00-<trace id>-<span id>-<flags>` into the first 55 bytes of `out`.
    private func write(into out: UnsafeMutableBufferPointer<UInt8>) {
        out[0] = 0x30; out[1] = 0x30; out[2] = 0x2D
        Hex.write(traceHigh, digits: 16, into: out, at: 3)
        Hex.write(traceLow, digits: 16, into: out, at: 19)
        out[35] = 0x2D
        Hex.write(span, digits: 16, into: out, at: 36)
        out[52] = 0x2D
        Hex.write(UInt64(flags), digits: 2, into: out, at: 53)
    }

    /// A `traceparent` value as read (version 00 and later, W3C Trace Context §3.2), keeping its
    /// span id; nil when it is not valid.
    public init?(traceparent header: String) {
        let b = Array(header.utf8)
        guard b.count >= 55, b[2] == 0x2D, b[35] == 0x2D, b[52] == 0x2D,
              let version = Hex.value(b[0..<2]), let high = Hex.value(b[3..<19]), let low = Hex.value(b[19..<35]),
              let span = Hex.value(b[36..<52]), let flags = Hex.value(b[53..<55]) else { return nil }
        // Version ff is invalid; version 00 has exactly 55 characters; a later version may append
        // fields after a dash, which are ignored.
        guard version != 0xFF, version != 0 || b.count == 55, b.count == 55 || b[55] == 0x2D,
              high != 0 || low != 0, span != 0 else { return nil }
        self.init(traceHigh: high, traceLow: low, span: span, flags: UInt8(flags))
    }

    init(traceHigh: UInt64, traceLow: UInt64, span: UInt64, flags: UInt8) {
        self.traceHigh = traceHigh
        self.traceLow = traceLow
        self.span = span
        self.flags = flags
    }
}

/// Lowercase hexadecimal, as Trace Context writes it (uppercase is invalid there).
enum Hex {
    static func text(_ value: UInt64) -> String {
        String(unsafeUninitializedCapacity: 16) { out in
            write(value, digits: 16, into: out, at: 0)
            return 16
        }
    }

    /// The last `digits` hex digits of `value` into `out` from `at`.
    static func write(_ value: UInt64, digits: Int, into out: UnsafeMutableBufferPointer<UInt8>, at: Int) {
        var v = value
        for i in stride(from: at + digits - 1, through: at, by: -1) {
            let digit = UInt8(truncatingIfNeeded: v & 0xF)
            out[i] = digit < 10 ? 0x30 + digit : 0x57 + digit
            v >>= 4
        }
    }

    /// The value of at most 16 lowercase hex digits; nil for anything else.
    static func value(_ bytes: ArraySlice<UInt8>) -> UInt64? {
        var v: UInt64 = 0
        for b in bytes {
            switch b {
            case 0x30...0x39: v = v << 4 | UInt64(b - 0x30)
            case 0x61...0x66: v = v << 4 | UInt64(b - 0x61 + 10)
            default: return nil
            }
        }
        return v
    }
}

/// Trace and span ids for one event loop, from a generator seeded once by the kernel (ids must
/// be unique, not secret: W3C Trace Context §3.2.2.3).
struct TraceIDGenerator {
    private var state: (UInt64, UInt64)

    init() {
        var seed: (UInt64, UInt64) = (0, 0)
        _ = withUnsafeMutableBytes(of: &seed) { getrandom($0.baseAddress, $0.count, 0) }
        state = (seed.0 | 1, seed.1)
    }

    /// xorshift128+: fast, and good enough for ids.
    private mutating func next() -> UInt64 {
        var s1 = state.0
        let s0 = state.1
        state.0 = s0
        s1 ^= s1 << 23
        state.1 = s1 ^ s0 ^ (s1 >> 17) ^ (s0 >> 26)
        return state.1 &+ s0
    }

    private mutating func nonZero() -> UInt64 {
        var value = next()
        while value == 0 { value = next() }
        return value
    }

    /// The trace of a request: its `traceparent` continued with a new span of ours, or a new
    /// trace (not sampled: we record no spans ourselves).
    mutating func trace(for header: String?) -> TraceContext {
        let span = nonZero()
        if let header, let parent = TraceContext(traceparent: header) {
            return TraceContext(traceHigh: parent.traceHigh, traceLow: parent.traceLow, span: span, flags: parent.flags)
        }
        return TraceContext(traceHigh: nonZero(), traceLow: next(), span: span, flags: 0)
    }
}
