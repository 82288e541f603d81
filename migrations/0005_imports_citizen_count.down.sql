ALTER TABLE imports DROP COLUMN citizen_count;
