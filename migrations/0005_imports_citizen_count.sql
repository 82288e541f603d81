-- GET /imports lists imports with their number of citizens. Counting citizens per listed import
-- on every request would read every citizen row of the page's imports; the count is written with
-- the import instead (citizens are only ever added by the COPY that creates their import).
ALTER TABLE imports ADD COLUMN citizen_count bigint NOT NULL DEFAULT 0;

UPDATE imports SET citizen_count = counted.n
FROM (SELECT import_id, count(*) AS n FROM citizens GROUP BY import_id) AS counted
WHERE imports.import_id = counted.import_id;
