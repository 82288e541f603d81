-- A staged change remembers the key that staged it: the event of its confirmation names that key
-- as its actor (the link itself is followed without one).
ALTER TABLE airport_confirmations ADD COLUMN actor_id text, ADD COLUMN actor_name text;
