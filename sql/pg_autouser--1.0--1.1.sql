-- pg_autouser--1.0--1.1.sql -- upgrades 1.0 to 1.1; ends in the same schema
-- as a fresh pg_autouser--1.1.sql (test/t/050_upgrade.pl compares them).

\echo Use "ALTER EXTENSION pg_autouser UPDATE TO '1.1'" to load this file. \quit

-- Refuses (42501, 55000) a schema autouser that is not the extension's own:
-- another role's, one others may create objects in, or one holding objects
-- that are not the extension's.
SELECT autouser._check_install();

-- Rule changes made under session_replication_role = replica, and those
-- applied by logical replication (its apply process fires row triggers
-- only), republish the rules too.
ALTER TABLE autouser.rules ENABLE ALWAYS TRIGGER rules_changed;
CREATE TRIGGER rules_changed_replica
    AFTER INSERT OR UPDATE OR DELETE ON autouser.rules
    FOR EACH ROW EXECUTE FUNCTION autouser._rules_changed();
ALTER TABLE autouser.rules ENABLE REPLICA TRIGGER rules_changed_replica;

-- add_rule (below, with its options), drop_rule, preview and _preview now use
-- autouser.rules with the extension owner's rights: EXECUTE on one of them is
-- all a delegate needs, and gives exactly its effect (no right on the table,
-- no way past _check_rule).  In 1.0 EXECUTE did nothing without the right on
-- autouser.rules each used (INSERT, DELETE, SELECT), so each is made anew and
-- EXECUTE is given back (at the end) only to the grantees that held that
-- right too, whoever had granted it: the update widens no one's rights (a
-- GRANT ... ON ALL FUNCTIONS made for monitoring stays read-only).  Grant
-- options are not carried over.
SELECT pg_catalog.set_config('pg_autouser_update.carried', COALESCE(pg_catalog.string_agg(
           pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO %I',
               CASE p.proname WHEN 'add_rule'
                   THEN 'autouser.add_rule(text, text[], text, text, text, jsonb)'
                   ELSE p.oid::pg_catalog.regprocedure::pg_catalog.text END,
               r.rolname), '; '), ''), true)
FROM pg_catalog.pg_proc p,
     LATERAL pg_catalog.aclexplode(p.proacl) a
JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) a.grantee
WHERE p.oid OPERATOR(pg_catalog.=) ANY (ARRAY[
          'autouser.add_rule(text, text[], text, text, text)'::pg_catalog.regprocedure,
          'autouser.drop_rule(bigint)'::pg_catalog.regprocedure,
          'autouser.preview(text, text, jsonb)'::pg_catalog.regprocedure,
          'autouser._preview(text, text, text[], text[])'::pg_catalog.regprocedure]::pg_catalog.oid[])
  AND a.privilege_type OPERATOR(pg_catalog.=) 'EXECUTE'
  AND a.grantee OPERATOR(pg_catalog.<>) p.proowner
  AND pg_catalog.has_table_privilege(a.grantee, 'autouser.rules',
          CASE p.proname WHEN 'add_rule' THEN 'INSERT'
                         WHEN 'drop_rule' THEN 'DELETE' ELSE 'SELECT' END);
-- The objects 1.0 had, but for the four functions made anew just below:
-- those made by this update are told from them at the end.
SELECT pg_catalog.set_config('pg_autouser_update.kept', pg_catalog.string_agg(d.objid::pg_catalog.text, ','), true)
FROM pg_catalog.pg_depend d
JOIN pg_catalog.pg_extension e ON e.oid OPERATOR(pg_catalog.=) d.refobjid
WHERE d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
  AND d.deptype OPERATOR(pg_catalog.=) 'e'
  AND e.extname OPERATOR(pg_catalog.=) 'pg_autouser';
DROP FUNCTION autouser.add_rule(text, text[], text, text, text);
DROP FUNCTION autouser.drop_rule(bigint);
DROP FUNCTION autouser.preview(text, text, jsonb);
DROP FUNCTION autouser._preview(text, text, text[], text[]);
CREATE FUNCTION autouser._preview(identity text, database text, attr_names text[],
                                  attr_values text[])
    RETURNS text[] LANGUAGE c STABLE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'autouser_preview';
CREATE FUNCTION autouser.drop_rule(id bigint) RETURNS boolean
    LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'autouser_drop_rule';
CREATE FUNCTION autouser.preview(identity text,
                                 database text DEFAULT pg_catalog.current_database(),
                                 attrs jsonb DEFAULT '{}')
    RETURNS text[]
    LANGUAGE c STABLE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'autouser_preview_jsonb';

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

-- Sessions of managed roles on standbys, as each standby reports them to
-- the primary (SPEC 10): a role with a row whose lease has not lapsed is in
-- use, and is not cleaned.  pid 0 is the lease a provisioning for a standby
-- login takes until that standby's next report.  A report replaces only the
-- rows of the same server run (instance), so two standbys that share a node
-- name do not drop each other's leases.  Written only by
-- _provision_for_standby and _renew_leases, on the primary; it replicates,
-- so a promoted standby honours the leases live at the failover.
CREATE TABLE autouser.standby_sessions (
    node            text NOT NULL,
    instance        text NOT NULL DEFAULT '',  -- which server run reported it
    pid             integer NOT NULL,
    role            text NOT NULL,
    database        text,
    backend_start   timestamptz,
    cert_serial     text,
    cert_issuer     text,
    cert_not_after  timestamptz,
    expires_at      timestamptz NOT NULL,
    PRIMARY KEY (node, instance, pid, role)
);
CREATE INDEX standby_sessions_role ON autouser.standby_sessions (role);

-- This server's node name while it is a standby, NULL on a primary.
CREATE FUNCTION autouser._node_name() RETURNS text
    LANGUAGE c STABLE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'autouser_standby_node_name';

-- Called by a standby's worker, as pg_autouser.admin_role only: provision
-- identity for a login on that standby, from this primary's rules and the
-- certificate attributes the standby verified (name, value, name, ...).
CREATE FUNCTION autouser._provision_for_standby(node text, identity text, database text,
                                                attrs text[], OUT outcome text,
                                                OUT bad_role text, OUT via_role text,
                                                OUT reason integer, OUT rule_id bigint,
                                                OUT other_sessions integer,
                                                OUT detail text, OUT lsn pg_lsn)
    RETURNS record
    LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'autouser_provision_for_standby';

-- Called by a standby's cleanup worker, as pg_autouser.admin_role only:
-- replaces that standby's leases with the sessions it holds now; sessions is
-- {"instance": ..., "sessions": [...]} (or just the array).
CREATE FUNCTION autouser._renew_leases(node text, sessions jsonb) RETURNS integer
    LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'autouser_renew_leases';

-- Managed roles are those labelled by pg_autouser, whatever the group role
-- is now; they show their last certificate.
DROP VIEW autouser.users;
CREATE VIEW autouser.users AS
    SELECT r.rolname AS role,
           CASE WHEN r.rolcanlogin THEN 'active' ELSE 'inactive' END AS state,
           autouser._session_count(r.oid) +
           (SELECT pg_catalog.count(*)::integer FROM autouser.standby_sessions t
            WHERE t.role = r.rolname::text AND t.pid <> 0
              AND t.expires_at > pg_catalog.now()
              AND t.node IS DISTINCT FROM autouser._node_name()) AS sessions,
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
    JOIN pg_catalog.pg_roles r ON r.oid = s.role
    UNION ALL
    SELECT t.pid, t.role::name, t.database, t.backend_start, t.cert_serial,
           t.cert_issuer, t.cert_not_after, t.node
    FROM autouser.standby_sessions t
    WHERE t.pid <> 0 AND t.expires_at > pg_catalog.now()
      AND t.node IS DISTINCT FROM autouser._node_name();


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

-- add_rule takes the options (its 1.0 form was dropped above).
CREATE FUNCTION autouser.add_rule(identity text, roles text[], database text DEFAULT '*',
                                  cert_ou text DEFAULT NULL, comment text DEFAULT NULL,
                                  options jsonb DEFAULT '{}')
    RETURNS bigint
    LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'autouser_add_rule';

-- The options a login would get: add_rule's keys, merged over the matching
-- rules; NULL when no rule applies.
CREATE FUNCTION autouser.preview_options(identity text,
                                         database text DEFAULT pg_catalog.current_database(),
                                         attrs jsonb DEFAULT '{}')
    RETURNS jsonb
    LANGUAGE c STABLE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'autouser_preview_options_jsonb';

-- Functions run for others pin their search_path, C ones too (SPEC 6).
ALTER FUNCTION autouser._check_install() SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION autouser._rules_changed() SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION autouser._check_rule(text, text[], text, text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION autouser._session_count(oid) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION autouser.deactivate(name, boolean) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION autouser.sweep() SET search_path = pg_catalog, pg_temp;

REVOKE ALL ON ALL TABLES IN SCHEMA autouser FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA autouser FROM PUBLIC;

-- The objects made by this update got the owner's default privileges
-- (ALTER DEFAULT PRIVILEGES FOR ROLE ... without IN SCHEMA): they are the
-- owner's alone, like a fresh install's.  Then the grants carried over from
-- 1.0 (above) are given back.
DO $$
DECLARE
    o record;
BEGIN
    FOR o IN
        SELECT DISTINCT CASE WHEN c.oid IS NULL THEN 'FUNCTION'
                             WHEN c.relkind OPERATOR(pg_catalog.=) 'S' THEN 'SEQUENCE'
                             ELSE 'TABLE' END AS kind,
               COALESCE(c.oid::pg_catalog.regclass::pg_catalog.text,
                        p.oid::pg_catalog.regprocedure::pg_catalog.text) AS name,
               CASE WHEN a.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC'
                    ELSE pg_catalog.quote_ident(r.rolname) END AS grantee
        FROM pg_catalog.pg_depend d
        JOIN pg_catalog.pg_extension e ON e.oid OPERATOR(pg_catalog.=) d.refobjid
        LEFT JOIN pg_catalog.pg_class c
               ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
              AND c.oid OPERATOR(pg_catalog.=) d.objid
        LEFT JOIN pg_catalog.pg_proc p
               ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
              AND p.oid OPERATOR(pg_catalog.=) d.objid,
        LATERAL pg_catalog.aclexplode(COALESCE(c.relacl, p.proacl)) a
        LEFT JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) a.grantee
        WHERE d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
          AND d.deptype OPERATOR(pg_catalog.=) 'e'
          AND e.extname OPERATOR(pg_catalog.=) 'pg_autouser'
          AND (c.oid IS NOT NULL OR p.oid IS NOT NULL)
          AND a.grantee OPERATOR(pg_catalog.<>) COALESCE(c.relowner, p.proowner)
          AND NOT d.objid::pg_catalog.text OPERATOR(pg_catalog.=) ANY (pg_catalog.string_to_array(
                  pg_catalog.current_setting('pg_autouser_update.kept'), ','))
    LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON %s %s FROM %s CASCADE', o.kind, o.name, o.grantee);
    END LOOP;
    IF pg_catalog.current_setting('pg_autouser_update.carried') OPERATOR(pg_catalog.<>) '' THEN
        EXECUTE pg_catalog.current_setting('pg_autouser_update.carried');
    END IF;
END
$$;
