/// A value that belongs to one event loop (a connection and its exchange, a feed's readers),
/// carried through other threads and back to its loop, as swift-nio's `NIOLoopBound`.
// Invariant: `value` is touched only on `loop`'s thread (checked on every access).
public struct LoopBound<Value>: @unchecked Sendable {
    public let loop: EventLoop
    private let wrapped: Value

    public init(_ value: Value, loop: EventLoop) {
        self.loop = loop
        self.wrapped = value
    }

    public var value: Value {
        precondition(loop.inLoop, "a loop-bound value touched off its event loop")
        return wrapped
    }
}
