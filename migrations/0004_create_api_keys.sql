-- API keys (access.md). Only the SHA-256 of a key's text is stored, never the key.
CREATE TABLE api_keys (
    id            text PRIMARY KEY,
    name          text NOT NULL,
    role          text NOT NULL CHECK (role IN ('reader', 'editor', 'admin')),
    secret_sha256 bytea NOT NULL UNIQUE CHECK (length(secret_sha256) = 32),
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    expires_at    timestamptz,
    revoked_at    timestamptz
);
