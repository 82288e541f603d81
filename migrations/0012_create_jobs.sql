-- Jobs (jobs.md): long imports and uploads handed over with Prefer: respond-async.
CREATE TABLE jobs (
    id bigserial PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('import', 'airports_upload')),
    state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    progress double precision NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
    processed bigint NOT NULL DEFAULT 0,
    bytes_done bigint NOT NULL DEFAULT 0,
    bytes_total bigint NOT NULL DEFAULT 0,
    attempts integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    finished_at timestamptz,
    actor_id text,
    actor_name text,
    -- How the request sent the body; the body itself is stored inflated (the HTTP engine
    -- inflates gzip/deflate before a handler reads it), so content_encoding is a record only.
    content_type text,
    content_encoding text,
    body_sha256 bytea,
    idempotency_key text,
    result jsonb,
    error jsonb,
    cancel_requested boolean NOT NULL DEFAULT false,
    -- The lease: the server running the job renews locked_until while it runs.
    locked_by text,
    locked_until timestamptz,
    heartbeat_at timestamptz
);

-- Runners look only at jobs that are not finished.
CREATE INDEX jobs_unfinished ON jobs (id) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_idempotency ON jobs (actor_id, idempotency_key, created_at) WHERE idempotency_key IS NOT NULL;

-- A job's request body in pieces of about 1 MiB, read back in order; deleted when the job ends.
CREATE TABLE job_bodies (
    job_id bigint NOT NULL REFERENCES jobs ON DELETE CASCADE,
    seq integer NOT NULL,
    bytes bytea NOT NULL,
    PRIMARY KEY (job_id, seq)
);
-- Bodies are read once: compressing them would cost more than it saves.
ALTER TABLE job_bodies ALTER COLUMN bytes SET STORAGE EXTERNAL;

CREATE TABLE job_log (
    id bigserial PRIMARY KEY,
    job_id bigint NOT NULL REFERENCES jobs ON DELETE CASCADE,
    at timestamptz NOT NULL DEFAULT now(),
    line text NOT NULL
);
CREATE INDEX job_log_by_job ON job_log (job_id, id);
