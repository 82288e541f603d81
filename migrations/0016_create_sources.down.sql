DROP TABLE source_runs;
DROP TABLE sources;
DELETE FROM jobs WHERE kind = 'source';
ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check CHECK (kind IN ('import', 'airports_upload'));
