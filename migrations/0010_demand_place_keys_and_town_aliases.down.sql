DROP TABLE town_aliases;
DROP INDEX airports_live_city_key;
DROP FUNCTION place_key(text);
DROP EXTENSION IF EXISTS unaccent;
