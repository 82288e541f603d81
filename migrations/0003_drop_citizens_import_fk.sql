-- Citizens are written only by COPY inside the transaction that creates their import, and imports
-- are never deleted, so the foreign key guarded nothing the repository does not. Its check ran once
-- per COPY row (an RI trigger each) and was more than half of PostgreSQL's time for an import:
-- 154 ms of 10,000 rows with it, 65 ms without.
ALTER TABLE citizens DROP CONSTRAINT citizens_import_id_fkey;
