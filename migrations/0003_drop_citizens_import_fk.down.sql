ALTER TABLE citizens ADD CONSTRAINT citizens_import_id_fkey
    FOREIGN KEY (import_id) REFERENCES imports (import_id) ON DELETE CASCADE;
