-- Demand by town: towns of imports are matched to airports' cities ignoring case, accents and
-- punctuation. place_key() is that comparison's key; an expression index on the live airports'
-- keys makes the lookup per town an index probe instead of a scan of every airport.
--
-- unaccent is a trusted extension: a database owner (or any user with CREATE on the database)
-- may create it. It is only STABLE (its dictionary could be changed), so place_key names the
-- dictionary and schema explicitly and is declared IMMUTABLE, which an index expression needs.
CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;

-- The key: accents removed (unaccent: "SÃO" -> "SAO", "Ø" -> "O", "ß" -> "ss"), lower case (ICU,
-- so Cyrillic or Greek fold the same whatever the database's locale), every run of characters
-- that are not letters or digits taken as a word break, the words "st" and "ste" read as "saint"
-- and "sainte", and the breaks then dropped: "St. Petersburg", "Saint-Petersburg" and
-- "SAINT PETERSBURG" all give "saintpetersburg". A name without letters or digits gives ''.
CREATE FUNCTION place_key(name text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN replace(
        regexp_replace(
            regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary, name) COLLATE "und-x-icu"),
                           '[^[:alnum:]]+', ' ', 'g'),
            '\mst(e?)\M', 'saint\1', 'g'),
        ' ', '');

CREATE INDEX airports_live_city_key ON airports (place_key(city)) WHERE deleted_at IS NULL;

-- Hand-made mappings of a town to an airport city (and optionally a country), for towns written
-- in another script or spelling ("Москва" -> "Moscow", "Russia"). One alias per place_key of the
-- town, so it covers the town's spellings that differ only in case, accents or punctuation;
-- `town` keeps the spelling last given.
CREATE TABLE town_aliases (
    town_key text PRIMARY KEY GENERATED ALWAYS AS (place_key(town)) STORED CHECK (town_key <> ''),
    town text NOT NULL,
    city text NOT NULL,
    country text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
