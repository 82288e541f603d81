-- Webhooks that stay fair when subscribers hang (issue 23) and subscriptions by subject with
-- every attempt kept (issue 19): an endpoint carries its turn (round-robin), its in-flight lease,
-- its circuit breaker and its subject prefixes; every attempt of a delivery has a row.
ALTER TABLE webhook_endpoints
    -- Whole-segment subject prefixes (`/imports/1` matches `/imports/1` and `/imports/1/...`,
    -- not `/imports/14`); empty: every subject.
    ADD COLUMN subjects             text[] NOT NULL DEFAULT '{}',
    -- When it last had its turn: among endpoints with a due head and nothing in flight, the one
    -- whose turn is oldest goes first.
    ADD COLUMN last_turn_at         timestamptz,
    -- A server is sending one of its deliveries until then (one in flight per endpoint).
    ADD COLUMN in_flight_until      timestamptz,
    -- Failed attempts since its last success; at the breaker's threshold it opens.
    ADD COLUMN consecutive_failures integer NOT NULL DEFAULT 0,
    -- While open, nothing of this endpoint is sent before then (a manual retry excepted).
    ADD COLUMN breaker_until        timestamptz;

-- An admin asked to send it again now: it goes before the endpoint's queue order and its breaker.
ALTER TABLE webhook_deliveries ADD COLUMN manual_retry boolean NOT NULL DEFAULT false;
CREATE INDEX webhook_deliveries_manual ON webhook_deliveries (endpoint_id, event_id) WHERE status = 'pending' AND manual_retry;

CREATE TABLE webhook_delivery_attempts (
    id           bigserial PRIMARY KEY,
    delivery_id  bigint NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    -- 1-based; a manual retry of a finished delivery starts again at 1.
    attempt      integer NOT NULL,
    started_at   timestamptz NOT NULL,
    status_code  integer,
    latency_ms   double precision NOT NULL,
    error        text
);
CREATE INDEX webhook_delivery_attempts_delivery ON webhook_delivery_attempts (delivery_id, id);
