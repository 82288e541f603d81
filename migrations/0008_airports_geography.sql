-- GET /airports?near=<lat>,<lon>&within_km=<R>: each airport's position as a geography, kept in
-- step with latitude/longitude by PostgreSQL itself (a stored generated column: every write path,
-- COPY included, fills it), and a GiST index for ST_DWithin and the KNN operator <->.

-- CREATE EXTENSION postgis needs a superuser (its control file is not `trusted`). A DATABASE_URL
-- whose user is not one fails here with the statement a DBA must run, instead of "permission denied".
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'postgis') THEN
        BEGIN
            CREATE EXTENSION postgis;
        EXCEPTION
            WHEN insufficient_privilege THEN
                RAISE EXCEPTION 'PostGIS is missing: a superuser must run CREATE EXTENSION postgis; in database %',
                        quote_ident(current_database())
                    USING ERRCODE = 'insufficient_privilege',
                          HINT = 'The user of DATABASE_URL may not create the postgis extension; once a superuser has, start again.';
            WHEN undefined_file THEN
                RAISE EXCEPTION 'PostGIS is not installed on the database server: install it (Debian: apt-get install postgresql-15-postgis-3), then a superuser may run CREATE EXTENSION postgis; in database %',
                        quote_ident(current_database())
                    USING ERRCODE = 'undefined_file';
        END;
    END IF;
END
$$;

ALTER TABLE airports ADD COLUMN geog geography(Point, 4326)
    GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)::geography) STORED;

CREATE INDEX airports_geog ON airports USING gist (geog);
