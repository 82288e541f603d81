-- Webhooks (events.md): endpoints that admins register, and one delivery per event and
-- endpoint. Deliveries live here so a restart loses none; several servers share them by
-- claiming rows (FOR UPDATE SKIP LOCKED) with a lease (locked_until).
CREATE TABLE webhook_endpoints (
    id                 bigserial PRIMARY KEY,
    url                text NOT NULL,
    -- Event type prefixes; empty: every type.
    types              text[] NOT NULL DEFAULT '{}',
    description        text NOT NULL DEFAULT '',
    -- whsec_<base64 of 32 random bytes>: the HMAC key must be readable to sign, so it is kept as is.
    secret             text NOT NULL,
    enabled            boolean NOT NULL DEFAULT true,
    disabled_reason    text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    -- Since when its deliveries fail without a success in between (disabled after 24 h).
    failing_since      timestamptz,
    -- The last event position the fan-out has looked at for this endpoint (positions are in
    -- commit order, so nothing committed later can have a smaller one).
    fanned_out_through bigint NOT NULL
);

CREATE TABLE webhook_deliveries (
    id               bigserial PRIMARY KEY,
    endpoint_id      bigint NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id         bigint NOT NULL,
    event_type       text NOT NULL,
    -- The CloudEvent text, the exact bytes sent and signed (retention may delete the event first).
    payload          text NOT NULL,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
    -- Attempts made (counted when one is claimed); also the claim's token.
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    -- A server sending it holds it until then; after that another may take it.
    locked_until     timestamptz,
    last_attempt_at  timestamptz,
    last_status_code integer,
    last_latency_ms  double precision,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    completed_at     timestamptz,
    UNIQUE (endpoint_id, event_id)
);
-- The head of each endpoint's queue: its pending delivery with the smallest position.
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (endpoint_id, event_id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_listing ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_deliveries_completed ON webhook_deliveries (completed_at) WHERE status <> 'pending';
