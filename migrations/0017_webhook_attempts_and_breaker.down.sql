DROP TABLE webhook_delivery_attempts;
DROP INDEX webhook_deliveries_manual;
ALTER TABLE webhook_deliveries DROP COLUMN manual_retry;
ALTER TABLE webhook_endpoints
    DROP COLUMN subjects,
    DROP COLUMN last_turn_at,
    DROP COLUMN in_flight_until,
    DROP COLUMN consecutive_failures,
    DROP COLUMN breaker_until;
