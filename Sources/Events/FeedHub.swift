import HTTP
import Postgres
import Routing

/// The feed's waiting readers on one event loop: long polls and Server-Sent Events streams. None
/// holds a worker thread or a database connection: when the notifier announces new events, one
/// query on the loop's own pipelined connection fetches them and each reader takes what its
/// filters match. Every method runs on `loop`.
final class FeedHub {
    let loop: EventLoop
    let connection: PipelinedConnection
    private var polls: [LongPoll] = []
    private var streams: [StreamReader] = []
    /// The newest position announced; readers behind it need a fetch.
    private var newest: Int64 = 0
    /// Set after the notifier lost its connection: every reader needs one fetch.
    private var anythingNew = false
    private var fetching = false
    private var fetchAgain = false
    private var retryAt: Double?

    struct WeakHub {
        weak var hub: FeedHub?
    }

    static let batch = 1000
    static let heartbeatInterval = 15.0
    /// A stream whose client takes less than this is cut off (it resumes with Last-Event-ID).
    static let maxUnsent = 1 << 20

    final class LongPoll {
        let query: FeedQuery
        var cursor: Int64
        let deadline: Double
        let respond: (Result<Response, Error>) -> Void

        init(query: FeedQuery, cursor: Int64, deadline: Double, respond: @escaping (Result<Response, Error>) -> Void) {
            self.query = query
            self.cursor = cursor
            self.deadline = deadline
            self.respond = respond
        }
    }

    final class StreamReader {
        let query: FeedQuery
        var cursor: Int64
        let stream: PushStream
        var nextHeartbeat: Double
        /// Reading its backlog with queries of its own; shared fetches skip it meanwhile.
        var catchingUp = true

        init(query: FeedQuery, cursor: Int64, stream: PushStream, nextHeartbeat: Double) {
            self.query = query
            self.cursor = cursor
            self.stream = stream
            self.nextHeartbeat = nextHeartbeat
        }
    }

    init(loop: EventLoop, connection: PipelinedConnection, notifier: EventNotifier) {
        self.loop = loop
        self.connection = connection
        // Weak: the hub (and its database connection) ends with its loop, not with the notifier.
        let hub = LoopBound(WeakHub(hub: self), loop: loop)
        notifier.subscribe { position in
            hub.loop.execute { hub.value.hub?.announce(position) }
        }
        loop.atEndOfEachTurn { [unowned self] in tick() }
        loop.atShutdown { [unowned self] in
            for poll in polls { poll.respond(.success(FeedPage.response([], poll.query, position: poll.cursor))) }
            polls.removeAll()
            for reader in streams { reader.stream.finish() }
            streams.removeAll()
        }
    }

    /// Holds a long poll that found nothing until an event matches or `deadline` passes.
    func park(_ query: FeedQuery, cursor: Int64, respond: @escaping (Result<Response, Error>) -> Void) {
        let poll = LongPoll(query: query, cursor: cursor, deadline: loop.now + query.wait, respond: respond)
        polls.append(poll)
        loop.wakeUp(at: poll.deadline)
        if newest > cursor { fetch() }
    }

    /// Serves a stream: its backlog first (`first` is the page the handler read already, after
    /// `cursor`), then every new event as it is committed. `seen`: the page read everything up to
    /// that position (it was not full); nil: more backlog may follow.
    func open(_ stream: PushStream, _ query: FeedQuery, first: [FeedEvent], cursor: Int64, seen: Int64?) {
        let reader = StreamReader(query: query, cursor: cursor, stream: stream, nextHeartbeat: loop.now + FeedHub.heartbeatInterval)
        streams.append(reader)
        stream.onClose = { [weak self, unowned reader] in self?.streams.removeAll { $0 === reader } }
        stream.send(Array("retry: 2000\n\n".utf8))
        loop.wakeUp(at: reader.nextHeartbeat)
        deliver(first, to: reader)
        if let seen {
            reader.cursor = max(reader.cursor, seen)
            caughtUp(reader)
        } else {
            catchUp(reader)
        }
    }

    private func catchUp(_ reader: StreamReader) {
        var query = reader.query
        query.after = reader.cursor
        query.limit = FeedHub.batch
        connection.query(FeedQuery.sql, query.parameters) { [weak self] result in
            guard let self, reader.stream.isOpen else { return }
            let head: Int64, events: [FeedEvent]
            do { (_, head, events) = try FeedEvent.read(result.get()) } catch {
                reader.stream.finish()  // the client resumes with Last-Event-ID
                return
            }
            self.deliver(events, to: reader)
            if events.count < FeedHub.batch {
                reader.cursor = max(reader.cursor, head)
                self.caughtUp(reader)
            } else {
                self.catchUp(reader)
            }
        }
    }

    private func caughtUp(_ reader: StreamReader) {
        reader.catchingUp = false
        if newest > reader.cursor { fetch() }
    }

    private func announce(_ position: Int64?) {
        if let position { newest = max(newest, position) } else { anythingNew = true }
        fetch()
    }

    /// One query for every reader behind the newest announced position.
    private func fetch() {
        guard !fetching else {
            fetchAgain = true
            return
        }
        let behind = polls.map(\.cursor) + streams.filter { !$0.catchingUp }.map(\.cursor)
        guard let cursor = behind.min(), cursor < newest || anythingNew else { return }
        fetching = true
        let forced = anythingNew
        connection.query(FeedHub.fetchSQL, [cursor, FeedHub.batch]) { [weak self] result in
            guard let self else { return }
            self.fetching = false
            let events: [FeedEvent]
            do { events = try FeedEvent.read(result.get()).events } catch {
                // The loop's connection retries on its own; try again shortly.
                self.retryAt = self.loop.now + 0.5
                self.loop.wakeUp(at: self.loop.now + 0.5)
                return
            }
            if forced && events.count < FeedHub.batch { self.anythingNew = false }
            self.distribute(events)
            if events.count == FeedHub.batch || self.fetchAgain {
                self.fetchAgain = false
                self.fetch()
            }
        }
    }

    static let fetchSQL = """
        SELECT 0::bigint AS deleted_through, id, type, aggregateid, payload::text AS payload, 0::bigint AS head
        FROM events WHERE id > $1 ORDER BY id LIMIT $2
        """

    private func distribute(_ events: [FeedEvent]) {
        guard let last = events.last?.id else { return }
        polls.removeAll { poll in
            let matching = events.filter { $0.id > poll.cursor && poll.query.matches(type: $0.type, subject: $0.subject) }
            if matching.isEmpty {
                poll.cursor = max(poll.cursor, last)
                return false
            }
            poll.respond(.success(FeedPage.response(matching.prefix(poll.query.limit), poll.query, position: poll.cursor)))
            return true
        }
        for reader in streams where !reader.catchingUp {
            deliver(events.filter { $0.id > reader.cursor }, to: reader)
            reader.cursor = max(reader.cursor, last)
        }
    }

    private func deliver(_ events: [FeedEvent], to reader: StreamReader) {
        for event in events where event.id > reader.cursor {
            if reader.query.matches(type: event.type, subject: event.subject) { reader.stream.send(event.serverSentEvent) }
            reader.cursor = event.id
        }
        if reader.stream.unsentBytes > FeedHub.maxUnsent { reader.stream.finish() }
    }

    private func tick() {
        let now = loop.now
        if let retryAt, now >= retryAt {
            self.retryAt = nil
            fetch()
        }
        guard !polls.isEmpty || !streams.isEmpty else { return }
        var earliest = Double.infinity
        polls.removeAll { poll in
            if poll.deadline <= now {
                poll.respond(.success(FeedPage.response([], poll.query, position: poll.cursor)))
                return true
            }
            earliest = min(earliest, poll.deadline)
            return false
        }
        for reader in streams {
            if reader.nextHeartbeat <= now {
                reader.stream.send(Array(": keep-alive\n\n".utf8))
                reader.nextHeartbeat = now + FeedHub.heartbeatInterval
            }
            earliest = min(earliest, reader.nextHeartbeat)
        }
        if earliest < .infinity { loop.wakeUp(at: earliest) }
    }
}
