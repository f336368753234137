-- pg_autouser--1.1.sql -- installs the autouser schema: rules (with their
-- options), add_rule, drop_rule, preview, the audit trail, users, stats.  Objects are
-- schema-qualified and closed to PUBLIC.  Upgrades from 1.0 go through
-- pg_autouser--1.0--1.1.sql, which must end in the same schema.

\echo Use "CREATE EXTENSION pg_autouser" to load this file. \quit

-- Refuses (55000) when not preloaded or not in pg_autouser.database, and
-- creates the group role (pg_autouser.group_role) if it is missing.
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
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    options     jsonb NOT NULL DEFAULT '{}'
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

-- Every row written to autouser.rules, by add_rule or not, is refused
-- (22023) when its options are not ones a rule may give (issue 14).
CREATE FUNCTION autouser._check_rule_options() RETURNS trigger
    LANGUAGE c SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'autouser_check_rule_options';
CREATE TRIGGER rules_check_options
    BEFORE INSERT OR UPDATE ON autouser.rules
    FOR EACH ROW EXECUTE FUNCTION autouser._check_rule_options();

CREATE FUNCTION autouser._check_rule(identity text, roles text[], database text, cert_ou text)
    RETURNS void LANGUAGE c STABLE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'autouser_check_rule';

CREATE FUNCTION autouser.add_rule(identity text, roles text[], database text DEFAULT '*',
                                  cert_ou text DEFAULT NULL, comment text DEFAULT NULL,
                                  options jsonb DEFAULT '{}')
    RETURNS bigint
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    new_id bigint;
BEGIN
    PERFORM autouser._check_rule($1, $2, $3, $4);
    -- The options are checked by the rules_check_options trigger.
    INSERT INTO autouser.rules (identity, roles, database, cert_ou, comment, options)
        VALUES ($1, $2, $3, $4, $5, $6)
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

-- attrs as preview and preview_options take them, {"OU": ["eng","ops"],
-- "O": "Acme"} (a value is a string or an array), as two parallel arrays.
CREATE FUNCTION autouser._attrs(attrs jsonb, OUT names text[], OUT vals text[])
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
AS $$
    WITH pairs AS (
        SELECT e.key AS name, v.value, pg_catalog.row_number() OVER () AS n
        FROM pg_catalog.jsonb_each(COALESCE($1, '{}')) AS e,
             LATERAL pg_catalog.jsonb_array_elements_text(
                 CASE pg_catalog.jsonb_typeof(e.value)
                     WHEN 'array' THEN e.value
                     ELSE pg_catalog.jsonb_build_array(e.value) END) AS v
    )
    SELECT ARRAY(SELECT name FROM pairs ORDER BY n), ARRAY(SELECT value FROM pairs ORDER BY n)
$$;

-- The role set a login would get; NULL when no rule applies.
CREATE FUNCTION autouser.preview(identity text,
                                 database text DEFAULT pg_catalog.current_database(),
                                 attrs jsonb DEFAULT '{}')
    RETURNS text[]
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT autouser._preview($1, $2, a.names, a.vals) FROM autouser._attrs($3) a
$$;

CREATE FUNCTION autouser._preview_options(identity text, database text, attr_names text[],
                                          attr_values text[])
    RETURNS jsonb LANGUAGE c STABLE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'autouser_preview_options';

-- The options a login would get: add_rule's keys, merged over the matching
-- rules; NULL when no rule applies.
CREATE FUNCTION autouser.preview_options(identity text,
                                         database text DEFAULT pg_catalog.current_database(),
                                         attrs jsonb DEFAULT '{}')
    RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT autouser._preview_options($1, $2, a.names, a.vals) FROM autouser._attrs($3) a
$$;

-- The audit trail; rows older than pg_autouser.event_retention are purged.
CREATE TABLE autouser.events (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT pg_catalog.now(),
    identity  text,
    role      text,
    database  text,
    action    text NOT NULL CONSTRAINT events_action_check
                  CHECK (action IN ('create', 'reactivate', 'deactivate', 'drop', 'reject',
                                    'sweep', 'update', 'terminate')),
    roles     text[],
    detail    text,
    pid       integer
);
CREATE INDEX events_at ON autouser.events (at);

-- When each managed role was created, last logged in and last logged out,
-- and the certificate it last logged in with.
CREATE TABLE autouser.user_state (
    role           text PRIMARY KEY,
    created_at     timestamptz,
    last_login     timestamptz,
    last_logout    timestamptz,
    cert_issuer    text,
    cert_serial    text,
    cert_not_after timestamptz
);

CREATE FUNCTION autouser._session_count(role oid) RETURNS integer
    LANGUAGE c STABLE STRICT SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'autouser_session_count';

-- Managed roles are those labelled by pg_autouser (SECURITY LABEL FOR
-- pg_autouser ... IS 'managed'), whatever the group role is now.
CREATE VIEW autouser.users AS
    SELECT r.rolname AS role,
           CASE WHEN r.rolcanlogin THEN 'active' ELSE 'inactive' END AS state,
           autouser._session_count(r.oid) AS sessions,
           ARRAY(SELECT DISTINCT g.rolname::text
                 FROM pg_catalog.pg_auth_members gm
                 JOIN pg_catalog.pg_roles g ON g.oid = gm.roleid
                 WHERE gm.member = r.oid
                   AND g.rolname <> pg_catalog.current_setting('pg_autouser.group_role')
                 ORDER BY 1) AS roles,
           s.created_at, s.last_login, s.last_logout,
           s.cert_issuer, s.cert_serial, s.cert_not_after
    FROM pg_catalog.pg_shseclabel l
    JOIN pg_catalog.pg_roles r ON r.oid = l.objoid
    LEFT JOIN autouser.user_state s ON s.role = r.rolname::text
    WHERE l.classoid = 'pg_catalog.pg_authid'::pg_catalog.regclass
      AND l.provider = 'pg_autouser';

CREATE FUNCTION autouser.deactivate(role name, terminate boolean DEFAULT false)
    RETURNS boolean
    LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'autouser_deactivate';

CREATE FUNCTION autouser.sweep() RETURNS integer
    LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'autouser_sweep_now';

-- Every live session of a managed role on this server, with the
-- certificate it logged in with.
CREATE FUNCTION autouser._sessions(OUT role oid, OUT pid integer, OUT database text,
                                   OUT backend_start timestamptz, OUT cert_serial text,
                                   OUT cert_issuer text, OUT cert_not_after timestamptz)
    RETURNS SETOF record
    LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'autouser_sessions_rows';
CREATE VIEW autouser.sessions AS
    SELECT s.pid, r.rolname AS role, s.database, s.backend_start, s.cert_serial,
           s.cert_issuer, s.cert_not_after, NULL::text AS node
    FROM autouser._sessions() s
    JOIN pg_catalog.pg_roles r ON r.oid = s.role;

-- Counters since server start (or stats_reset), one row each.
CREATE FUNCTION autouser._stats(OUT name text, OUT value bigint) RETURNS SETOF record
    LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'autouser_stats_rows';
CREATE VIEW autouser.stats AS SELECT name, value FROM autouser._stats();
CREATE FUNCTION autouser.stats_reset() RETURNS void
    LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'autouser_stats_reset';

REVOKE ALL ON SCHEMA autouser FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA autouser FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA autouser FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA autouser FROM PUBLIC;
