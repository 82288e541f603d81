UPDATE events
SET payload = ((payload::jsonb - 'actorid' - 'actorname' - 'traceparent')
               || jsonb_build_object('actor', CASE WHEN (payload::jsonb) ? 'actorid'
                                                   THEN jsonb_build_object('id', payload->>'actorid', 'name', payload->>'actorname')
                                              END))::json;
ALTER TABLE jobs DROP COLUMN traceparent, DROP COLUMN phase;
ALTER TABLE webhook_deliveries DROP COLUMN traceparent;
ALTER TABLE events DROP COLUMN traceparent;
