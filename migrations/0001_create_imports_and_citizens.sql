-- Citizens imports. An import is written once (COPY) and then patched citizen by citizen.
-- relatives are kept on the citizen row as an array: GET and the aggregates read one indexed
-- range of rows per import and never depend on planner statistics.
CREATE TABLE imports (
    import_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE citizens (
    import_id bigint NOT NULL REFERENCES imports (import_id) ON DELETE CASCADE,
    citizen_id bigint NOT NULL CHECK (citizen_id >= 0),
    town text NOT NULL,
    street text NOT NULL,
    building text NOT NULL,
    apartment bigint NOT NULL CHECK (apartment >= 0),
    name text NOT NULL,
    birth_date date NOT NULL,
    gender text NOT NULL CHECK (gender IN ('male', 'female')),
    relatives bigint[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (import_id, citizen_id)
);
