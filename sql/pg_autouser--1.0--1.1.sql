-- pg_autouser--1.0--1.1.sql -- upgrades 1.0 to 1.1; ends in the same schema
-- as a fresh pg_autouser--1.1.sql (test/t/050_upgrade.pl compares them).

\echo Use "ALTER EXTENSION pg_autouser UPDATE TO '1.1'" to load this file. \quit

-- New kinds of events: update (a rule change moved an active role) and
-- terminate (sessions ended).
ALTER TABLE autouser.events DROP CONSTRAINT events_action_check;
ALTER TABLE autouser.events ADD CONSTRAINT events_action_check
    CHECK (action IN ('create', 'reactivate', 'deactivate', 'drop', 'reject',
                      'sweep', 'update', 'terminate'));

-- 1.0 marked managed roles by membership in the group role alone; 1.1
-- records them with a security label.  Every member 1.0 managed is
-- recorded now (superusers were never managed).
DO $$
DECLARE
    member name;
BEGIN
    FOR member IN
        SELECT r.rolname
        FROM pg_catalog.pg_auth_members m
        JOIN pg_catalog.pg_roles g ON g.oid = m.roleid
        JOIN pg_catalog.pg_roles r ON r.oid = m.member
        WHERE g.rolname = pg_catalog.current_setting('pg_autouser.group_role')
          AND NOT r.rolsuper
    LOOP
        EXECUTE pg_catalog.format('SECURITY LABEL FOR pg_autouser ON ROLE %I IS %L',
                                  member, 'managed');
    END LOOP;
END
$$;

-- The certificate each managed role last logged in with.
ALTER TABLE autouser.user_state
    ADD COLUMN cert_issuer text,
    ADD COLUMN cert_serial text,
    ADD COLUMN cert_not_after timestamptz;

-- Managed roles are those labelled by pg_autouser, whatever the group role
-- is now; they show their last certificate.
DROP VIEW autouser.users;
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


CREATE FUNCTION autouser._stats(OUT name text, OUT value bigint) RETURNS SETOF record
    LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'autouser_stats_rows';
CREATE VIEW autouser.stats AS SELECT name, value FROM autouser._stats();
CREATE FUNCTION autouser.stats_reset() RETURNS void
    LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'autouser_stats_reset';

-- Rule options (issue 14): role attributes and settings a rule gives.
ALTER TABLE autouser.rules ADD COLUMN options jsonb NOT NULL DEFAULT '{}';

-- Every row written to autouser.rules, by add_rule or not, is refused
-- (22023) when its options are not ones a rule may give (issue 14).
CREATE FUNCTION autouser._check_rule_options() RETURNS trigger
    LANGUAGE c SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'autouser_check_rule_options';
CREATE TRIGGER rules_check_options
    BEFORE INSERT OR UPDATE ON autouser.rules
    FOR EACH ROW EXECUTE FUNCTION autouser._check_rule_options();

-- add_rule takes the options.  A new argument makes a new function: the old
-- one goes, and whoever could run it may run the new one.
ALTER FUNCTION autouser.add_rule(text, text[], text, text, text) RENAME TO _add_rule_1_0;
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
DO $$
DECLARE
    grantee name;
BEGIN
    FOR grantee IN
        SELECT r.rolname
        FROM pg_catalog.pg_proc p,
             LATERAL pg_catalog.aclexplode(p.proacl) a
        JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) a.grantee
        WHERE p.oid OPERATOR(pg_catalog.=)
                  'autouser._add_rule_1_0(text, text[], text, text, text)'::pg_catalog.regprocedure
          AND a.privilege_type OPERATOR(pg_catalog.=) 'EXECUTE'
          AND a.grantee OPERATOR(pg_catalog.<>) p.proowner
    LOOP
        EXECUTE pg_catalog.format(
            'GRANT EXECUTE ON FUNCTION autouser.add_rule(text, text[], text, text, text, jsonb) TO %I',
            grantee);
    END LOOP;
END
$$;
DROP FUNCTION autouser._add_rule_1_0(text, text[], text, text, text);

-- preview and preview_options read attrs the same way.
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
CREATE OR REPLACE FUNCTION autouser.preview(identity text,
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

-- Functions run for others pin their search_path, C ones too (SPEC 6).
ALTER FUNCTION autouser._check_install() SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION autouser._rules_changed() SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION autouser._check_rule(text, text[], text, text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION autouser._preview(text, text, text[], text[]) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION autouser._session_count(oid) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION autouser.deactivate(name, boolean) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION autouser.sweep() SET search_path = pg_catalog, pg_temp;

REVOKE ALL ON ALL TABLES IN SCHEMA autouser FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA autouser FROM PUBLIC;
