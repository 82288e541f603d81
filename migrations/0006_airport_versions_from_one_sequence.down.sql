ALTER TABLE airports ALTER COLUMN version SET DEFAULT 1;
DROP SEQUENCE airport_versions;
