-- The transactional outbox and change feed (events.md). Append-only. The columns id,
-- aggregatetype, aggregateid, type and payload are those Debezium's outbox event router reads;
-- payload is the whole CloudEvent. Writers take one advisory lock before taking a position, so
-- positions are handed out in commit order: a reader never finds a smaller one later.
CREATE TABLE events (
    id            bigserial PRIMARY KEY,
    aggregatetype text NOT NULL,
    aggregateid   text NOT NULL,
    type          text NOT NULL,
    payload       json NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_created_at ON events (created_at);

-- Where the feed starts after retention deleted older events: every position up to this is gone.
CREATE TABLE events_horizon (
    only_row       boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    deleted_through bigint NOT NULL
);
INSERT INTO events_horizon (deleted_through) VALUES (0);
