-- Airports from the OpenFlights file, curated over HTTP. version counts the writes that changed
-- a row (ETags, lost-update checks); deleted_at is the delete flag (NULL while live).
CREATE TABLE airports (
    id bigint PRIMARY KEY CHECK (id >= 0),
    name text,
    city text,
    country text,
    iata text,
    icao text,
    latitude double precision NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude double precision NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    altitude integer,
    timezone double precision,
    dst text CHECK (dst IN ('E', 'A', 'S', 'O', 'Z', 'N', 'U')),
    tz text,
    type text,
    source text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version bigint NOT NULL DEFAULT 1,
    deleted_at timestamptz
);

-- Ids the server picks are above every id ever used, deleted ones included.
CREATE SEQUENCE airport_ids;

-- Staged creates and updates, applied when their link is followed. Only a hash of the token is kept.
CREATE TABLE airport_confirmations (
    token_hash bytea PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('create', 'update')),
    airport_id bigint,
    fields jsonb NOT NULL,
    base_version bigint,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz
);
