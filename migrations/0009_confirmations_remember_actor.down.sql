ALTER TABLE airport_confirmations DROP COLUMN actor_id, DROP COLUMN actor_name;
