/// The body of a response that stays open and is written to as things happen (Server-Sent
/// Events), from the event loop that serves it: no worker thread waits on it. Every method must
/// be called on `loop`.
public final class PushStream {
    public let loop: EventLoop
    private weak var connection: Connection?
    private let exchange: Exchange
    public private(set) var isOpen = true
    /// Called once when the client goes away or the stream ends.
    public var onClose: (() -> Void)?

    init(loop: EventLoop, connection: Connection, exchange: Exchange) {
        self.loop = loop
        self.connection = connection
        self.exchange = exchange
    }

    /// Bytes written but not yet taken by the client's socket (a slow reader makes it grow).
    public var unsentBytes: Int { exchange.streamUnsent }

    public func send(_ bytes: [UInt8]) {
        guard isOpen, !bytes.isEmpty, let connection else { return }
        connection.chunkReady(exchange, bytes)
    }

    /// Ends the body; the connection goes on with its next request.
    public func finish() {
        guard isOpen else { return }
        connection?.streamEnded(exchange, failed: false)
        closed()
    }

    func closed() {
        guard isOpen else { return }
        isOpen = false
        let action = onClose
        onClose = nil
        action?()
    }
}
