/// Parses a byte stream as a sequence of requests the way a connection does (head, framing,
/// body), without a socket. The fuzzer drives it; it must never crash, loop or over-read.
public enum RequestStreamParser {
    public enum Outcome: Equatable {
        case request(method: String, target: String, bodyBytes: Int)
        case error(status: Int)
        case incomplete
    }

    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>, maxRequests: Int = 64) -> [Outcome] {
        let parser = RequestHeadParser()
        var outcomes: [Outcome] = []
        var offset = 0
        while offset < bytes.count && outcomes.count < maxRequests {
            var searched = 0
            let rest = UnsafeBufferPointer(rebasing: bytes[offset...])
            switch parser.parse(rest, searched: &searched) {
            case .incomplete:
                outcomes.append(.incomplete)
                return outcomes
            case let .failure(error):
                outcomes.append(.error(status: error.status))
                return outcomes
            case let .complete(head, consumed):
                precondition(consumed > 0 && consumed <= rest.count, "head parser consumed \(consumed) of \(rest.count)")
                offset += consumed
                switch RequestFraming.analyze(head) {
                case let .failure(error):
                    outcomes.append(.error(status: error.status))
                    return outcomes
                case let .success(framing):
                    var decoder = BodyDecoder(framing: framing, maxBody: 1 << 20, maxInflated: 1 << 22)
                    var bodyBytes = 0
                    do {
                        let used = try decoder.feed(UnsafeBufferPointer(rebasing: bytes[offset...])) { bodyBytes += $0.count }
                        precondition(used <= bytes.count - offset, "body decoder over-read")
                        offset += used
                    } catch let error as HTTPError {
                        outcomes.append(.error(status: error.status))
                        return outcomes
                    } catch {
                        preconditionFailure("unexpected error \(error)")
                    }
                    if !decoder.isComplete {
                        outcomes.append(.incomplete)
                        return outcomes
                    }
                    outcomes.append(.request(method: head.method.description, target: head.target, bodyBytes: bodyBytes))
                }
            }
        }
        return outcomes
    }
}
