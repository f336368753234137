-- pg_autouser--1.0.sql -- installs the autouser schema: rules, add_rule,
-- drop_rule, preview.  Objects are schema-qualified and closed to PUBLIC.

\echo Use "CREATE EXTENSION pg_autouser" to load this file. \quit

-- Refuses (55000) when not preloaded or not in pg_autouser.database.
CREATE FUNCTION autouser._check_install() RETURNS void
    LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'autouser_check_install';
SELECT autouser._check_install();

CREATE SEQUENCE autouser.rules_id_seq;

CREATE TABLE autouser.rules (
    id          bigint PRIMARY KEY DEFAULT pg_catalog.nextval('autouser.rules_id_seq'),
    identity    text NOT NULL,
    database    text NOT NULL DEFAULT '*',
    cert_ou     text,
    roles       text[] NOT NULL,
    enabled     boolean NOT NULL DEFAULT true,
    comment     text,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now()
);
ALTER SEQUENCE autouser.rules_id_seq OWNED BY autouser.rules.id;
SELECT pg_catalog.pg_extension_config_dump('autouser.rules', '');
SELECT pg_catalog.pg_extension_config_dump('autouser.rules_id_seq', '');

CREATE FUNCTION autouser._rules_changed() RETURNS trigger
    LANGUAGE c SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'autouser_rules_changed_trigger';
CREATE TRIGGER rules_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON autouser.rules
    FOR EACH STATEMENT EXECUTE FUNCTION autouser._rules_changed();

CREATE FUNCTION autouser._check_rule(identity text, roles text[], database text, cert_ou text)
    RETURNS void LANGUAGE c STABLE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'autouser_check_rule';

CREATE FUNCTION autouser.add_rule(identity text, roles text[], database text DEFAULT '*',
                                  cert_ou text DEFAULT NULL, comment text DEFAULT NULL)
    RETURNS bigint
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    new_id bigint;
BEGIN
    PERFORM autouser._check_rule($1, $2, $3, $4);
    INSERT INTO autouser.rules (identity, roles, database, cert_ou, comment)
        VALUES ($1, $2, $3, $4, $5)
        RETURNING autouser.rules.id INTO new_id;
    RETURN new_id;
END
$$;

CREATE FUNCTION autouser.drop_rule(id bigint) RETURNS boolean
    LANGUAGE sql
    SET search_path = pg_catalog, pg_temp
AS $$
    WITH gone AS (DELETE FROM autouser.rules r WHERE r.id = $1 RETURNING 1)
    SELECT pg_catalog.count(*) > 0 FROM gone
$$;

CREATE FUNCTION autouser._preview(identity text, database text, attr_names text[],
                                  attr_values text[])
    RETURNS text[] LANGUAGE c STABLE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'autouser_preview';

-- attrs: {"OU": ["eng","ops"], "O": "Acme"}; a value is a string or an array.
CREATE FUNCTION autouser.preview(identity text,
                                 database text DEFAULT pg_catalog.current_database(),
                                 attrs jsonb DEFAULT '{}')
    RETURNS text[]
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
    WITH pairs AS (
        SELECT e.key AS name, v.value, pg_catalog.row_number() OVER () AS n
        FROM pg_catalog.jsonb_each(COALESCE($3, '{}')) AS e,
             LATERAL pg_catalog.jsonb_array_elements_text(
                 CASE pg_catalog.jsonb_typeof(e.value)
                     WHEN 'array' THEN e.value
                     ELSE pg_catalog.jsonb_build_array(e.value) END) AS v
    )
    SELECT autouser._preview($1, $2,
                             ARRAY(SELECT name FROM pairs ORDER BY n),
                             ARRAY(SELECT value FROM pairs ORDER BY n))
$$;

-- The audit trail; rows older than pg_autouser.event_retention are purged.
CREATE TABLE autouser.events (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT pg_catalog.now(),
    identity  text,
    role      text,
    database  text,
    action    text NOT NULL CHECK (action IN ('create', 'reactivate', 'deactivate', 'drop',
                                               'reject', 'sweep')),
    roles     text[],
    detail    text,
    pid       integer
);
CREATE INDEX events_at ON autouser.events (at);

-- When each managed role was created, last logged in and last logged out.
CREATE TABLE autouser.user_state (
    role         text PRIMARY KEY,
    created_at   timestamptz,
    last_login   timestamptz,
    last_logout  timestamptz
);

CREATE FUNCTION autouser._session_count(role oid) RETURNS integer
    LANGUAGE c STABLE STRICT SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'autouser_session_count';

CREATE VIEW autouser.users AS
    SELECT r.rolname AS role,
           CASE WHEN r.rolcanlogin THEN 'active' ELSE 'inactive' END AS state,
           autouser._session_count(r.oid) AS sessions,
           ARRAY(SELECT g.rolname::text
                 FROM pg_catalog.pg_auth_members gm
                 JOIN pg_catalog.pg_roles g ON g.oid = gm.roleid
                 WHERE gm.member = r.oid AND g.oid <> grp.oid
                 ORDER BY 1) AS roles,
           s.created_at, s.last_login, s.last_logout
    FROM pg_catalog.pg_roles grp
    JOIN pg_catalog.pg_auth_members m ON m.roleid = grp.oid
    JOIN pg_catalog.pg_roles r ON r.oid = m.member
    LEFT JOIN autouser.user_state s ON s.role = r.rolname::text
    WHERE grp.rolname = pg_catalog.current_setting('pg_autouser.group_role');

CREATE FUNCTION autouser.deactivate(role name, terminate boolean DEFAULT false)
    RETURNS boolean
    LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'autouser_deactivate';

CREATE FUNCTION autouser.sweep() RETURNS integer
    LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'autouser_sweep_now';

-- The group role marks managed roles; create it now if missing.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles
                   WHERE rolname = pg_catalog.current_setting('pg_autouser.group_role')) THEN
        EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN',
                                  pg_catalog.current_setting('pg_autouser.group_role'));
    END IF;
END
$$;

REVOKE ALL ON SCHEMA autouser FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA autouser FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA autouser FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA autouser FROM PUBLIC;
