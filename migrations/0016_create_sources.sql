-- Sources (sources.md): URLs Insikt pulls by itself, on a schedule; each pull is a job of kind 'source'.
ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check CHECK (kind IN ('import', 'airports_upload', 'source'));

CREATE TABLE sources (
    id bigserial PRIMARY KEY,
    name text NOT NULL,
    url text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('airports', 'citizens')),
    -- Seconds between scheduled pulls; NULL: pulled on demand only.
    every_seconds integer CHECK (every_seconds BETWEEN 60 AND 2592000),
    -- Sent with every pull; never shown again (answers list the names only).
    headers jsonb NOT NULL DEFAULT '[]',
    retries integer NOT NULL DEFAULT 3 CHECK (retries BETWEEN 0 AND 10),
    enabled boolean NOT NULL DEFAULT true,
    -- The next scheduled pull; NULL when there is no schedule.
    next_run_at timestamptz,
    -- What the last loaded answer was: for If-None-Match / If-Modified-Since and the body's digest.
    etag text,
    last_modified text,
    body_sha256 text,
    consecutive_failures integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    actor_id text,
    actor_name text
);
-- The schedulers look only at due, enabled, scheduled sources.
CREATE INDEX sources_due ON sources (next_run_at) WHERE enabled AND every_seconds IS NOT NULL;

CREATE TABLE source_runs (
    id bigserial PRIMARY KEY,
    source_id bigint NOT NULL REFERENCES sources ON DELETE CASCADE,
    -- The job that runs the pull; the run's history outlives the job's retention.
    job_id bigint UNIQUE REFERENCES jobs ON DELETE SET NULL,
    trigger text NOT NULL CHECK (trigger IN ('schedule', 'request')),
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    -- NULL while the run is queued or running (or ended outside the source's work: see the job).
    outcome text CHECK (outcome IN ('loaded', 'unchanged', 'failed', 'cancelled')),
    http_status integer,
    bytes bigint NOT NULL DEFAULT 0,
    rows bigint,
    attempts integer NOT NULL DEFAULT 0,
    result jsonb,
    problem jsonb
);
CREATE INDEX source_runs_by_source ON source_runs (source_id, id);
