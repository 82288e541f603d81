import HTTP
import Postgres
import Routing

/// `GET /events`: pages of the feed, a long poll with `wait`, or Server-Sent Events for
/// `Accept: text/event-stream`. Runs on the event loop and its own database connection: a waiting
/// reader holds no worker thread and no connection of its own.
public struct EventFeedHandler: Sendable {
    let notifier: EventNotifier

    public init(notifier: EventNotifier) {
        self.notifier = notifier
    }

    public func handle(_ request: Request, loop: EventLoop, connection: PipelinedConnection,
                       respond: @escaping (Result<Response, Error>) -> Void) {
        let query: FeedQuery
        do { query = try FeedQuery.parse(request) } catch {
            respond(.failure(error))
            return
        }
        let stream = EventFeedHandler.wantsStream(request)
        connection.query(FeedQuery.sql, query.parameters) { [notifier] result in
            let horizon: Int64, head: Int64, events: [FeedEvent]
            do { (horizon, head, events) = try FeedEvent.read(result.get()) } catch {
                respond(.failure(error))
                return
            }
            if let after = query.after, after < horizon {
                respond(.failure(FeedPage.gone(horizon: horizon)))
                return
            }
            let start = max(query.after ?? 0, horizon)
            // A page that is not full read everything this snapshot has: what follows starts at its head.
            let seen = events.count < query.limit ? max(start, head) : nil
            let hub = loop.local { FeedHub(loop: loop, connection: connection, notifier: notifier) }
            if stream {
                let bound = LoopBound(hub, loop: loop)
                var response = Response.pushed(contentType: "text/event-stream; charset=utf-8") { stream in
                    bound.value.open(stream, query, first: events, cursor: start, seen: seen)
                }
                response.headers.add("Cache-Control", "no-cache")
                response.headers.add("Vary", "Accept")
                // Tells nginx not to buffer the stream.
                response.headers.add("X-Accel-Buffering", "no")
                respond(.success(response))
            } else if events.isEmpty && query.wait > 0 {
                hub.park(query, cursor: seen ?? start) { result in
                    respond(result.map { var response = $0; response.headers.add("Vary", "Accept"); return response })
                }
            } else {
                var response = FeedPage.response(events[...], query, position: seen ?? start)
                response.headers.add("Vary", "Accept")
                respond(.success(response))
            }
        }
    }

    static func wantsStream(_ request: Request) -> Bool {
        request.headers["Accept"]?.lowercased().contains("text/event-stream") ?? false
    }
}
