-- Row versions (the airports' ETags) come from one sequence for all airports instead of counting
-- each row's writes from 1: a record deleted and made again under the same id then never shows a
-- version (an ETag) that the old record had, so an If-Match kept from the old record cannot apply
-- to the new one. Every write takes nextval; inserts get it from the column default.
CREATE SEQUENCE airport_versions;
-- Above every version kept. (Versions of records deleted before this step are not known; they
-- counted writes from 1 per record, as the rows kept here did.)
SELECT setval('airport_versions', coalesce((SELECT max(version) FROM airports), 0) + 1, false);
ALTER TABLE airports ALTER COLUMN version SET DEFAULT nextval('airport_versions');
