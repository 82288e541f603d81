-- Share links of an import's report (GET /shared/reports/{token}): anyone with the link reads
-- the report without a key until it expires or is revoked (deleted). Only the SHA-256 of a
-- link's token is stored, as for API keys. Links go with their import.
CREATE TABLE report_links (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    import_id    bigint NOT NULL REFERENCES imports (import_id) ON DELETE CASCADE,
    token_sha256 bytea NOT NULL UNIQUE CHECK (length(token_sha256) = 32),
    -- The public id of the key that made it (null when the server runs with --auth off).
    created_by   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX report_links_import ON report_links (import_id, id);
