-- Demand by town: towns of imports are matched to airports' cities ignoring case, accents and
-- punctuation. place_key() is that comparison's key; an expression index on the live airports'
-- keys makes the lookup per town an index probe instead of a scan of every airport.
--
-- unaccent is a trusted extension: a database owner (or any user with CREATE on the database)
-- may create it.
CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;

-- The key: accents removed (unaccent: "SÃO" -> "SAO", "Ø" -> "O", "Ł" -> "L", "ß" -> "ss"), lower
-- case (ICU, so Cyrillic or Greek fold the same whatever the database's locale), every run of
-- characters that are not letters or digits a word break, the words "st" and "ste" read as
-- "saint" and "sainte", and the breaks then dropped: "St. Petersburg", "Saint-Petersburg" and
-- "SAINT PETERSBURG" all give "saintpetersburg". A name without letters or digits gives ''.
--
-- unaccent() is only STABLE (its rules file could change), so this wrapper, which an index
-- expression needs to be IMMUTABLE, names the dictionary and schema explicitly (no search_path
-- dependence). If unaccent.rules is ever edited, REINDEX INDEX airports_live_city_key.
-- PL/pgSQL rather than LANGUAGE sql: an IMMUTABLE SQL function that calls a STABLE one is never
-- inlined, and the SQL-function call then cost 2.2 µs a row against 1.25 µs here (every airport
-- written pays it once, in the index).
CREATE FUNCTION place_key(name text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
BEGIN
    RETURN replace(replace(replace(
        ' ' || regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary, name) COLLATE "und-x-icu"),
                              '[^[:alnum:]]+', ' ', 'g') || ' ',
        ' st ', ' saint '), ' ste ', ' sainte '), ' ', '');
END
$$;

-- Byte order ("C"): the index serves only equality, and comparing under the database's
-- linguistic collation made each insert slower.
CREATE INDEX airports_live_city_key ON airports ((place_key(city) COLLATE "C")) WHERE deleted_at IS NULL;

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
