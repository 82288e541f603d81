-- The postgis extension stays: dropping it needs a superuser, and a DBA may have created it.
DROP INDEX airports_geog;
ALTER TABLE airports DROP COLUMN geog;
