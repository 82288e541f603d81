-- W3C trace context (traceparent) on events, their webhook deliveries and jobs, and a job's phase; CloudEvents 1.0
-- extension attributes are strings, so an event's actor object becomes actorid and actorname.
ALTER TABLE events ADD COLUMN traceparent text;
ALTER TABLE webhook_deliveries ADD COLUMN traceparent text;
ALTER TABLE jobs ADD COLUMN traceparent text, ADD COLUMN phase text;

UPDATE events
SET payload = ((payload::jsonb - 'actor')
               || jsonb_strip_nulls(jsonb_build_object('actorid', payload->'actor'->>'id',
                                                       'actorname', payload->'actor'->>'name')))::json
WHERE (payload::jsonb) ? 'actor';
