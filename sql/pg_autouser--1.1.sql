-- pg_autouser--1.1.sql -- installs the autouser schema: rules (with their
-- options), add_rule, drop_rule, preview, the audit trail, users, stats.  Objects are
-- schema-qualified and closed to PUBLIC.  Upgrades from 1.0 go through
-- pg_autouser--1.0--1.1.sql, which must end in the same schema.

\echo Use "CREATE EXTENSION pg_autouser" to load this file. \quit

-- Refuses (55000) when not preloaded or not in pg_autouser.database, and
-- (42501, 55000) a schema autouser that existed before and is another
-- role's, or others may create objects in, or holds anything (the workers
-- run SQL in it with the extension owner's rights); creates the group role
-- (pg_autouser.group_role) if it is missing.
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
-- Also under session_replication_role = replica; and the apply process of
-- logical replication fires row triggers only, so a replica-only row trigger
-- counts its changes: the published rules must not go stale.
ALTER TABLE autouser.rules ENABLE ALWAYS TRIGGER rules_changed;
CREATE TRIGGER rules_changed_replica
    AFTER INSERT OR UPDATE OR DELETE ON autouser.rules
    FOR EACH ROW EXECUTE FUNCTION autouser._rules_changed();
ALTER TABLE autouser.rules ENABLE REPLICA TRIGGER rules_changed_replica;

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

-- add_rule, drop_rule and preview use autouser.rules with the extension
-- owner's rights: EXECUTE on one of them is all a delegate needs, and gives
-- exactly its effect (no right on the table, no way past _check_rule).
CREATE FUNCTION autouser.add_rule(identity text, roles text[], database text DEFAULT '*',
                                  cert_ou text DEFAULT NULL, comment text DEFAULT NULL,
                                  options jsonb DEFAULT '{}')
    RETURNS bigint
    LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'autouser_add_rule';

CREATE FUNCTION autouser.drop_rule(id bigint) RETURNS boolean
    LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'autouser_drop_rule';

CREATE FUNCTION autouser._preview(identity text, database text, attr_names text[],
                                  attr_values text[])
    RETURNS text[] LANGUAGE c STABLE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'autouser_preview';

-- The role set a login would get; NULL when no rule applies.
CREATE FUNCTION autouser.preview(identity text,
                                 database text DEFAULT pg_catalog.current_database(),
                                 attrs jsonb DEFAULT '{}')
    RETURNS text[]
    LANGUAGE c STABLE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'autouser_preview_jsonb';

-- The options a login would get: add_rule's keys, merged over the matching
-- rules; NULL when no rule applies.
CREATE FUNCTION autouser.preview_options(identity text,
                                         database text DEFAULT pg_catalog.current_database(),
                                         attrs jsonb DEFAULT '{}')
    RETURNS jsonb
    LANGUAGE c STABLE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'autouser_preview_options_jsonb';

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

-- Managed roles are those labelled by pg_autouser (SECURITY LABEL FOR
-- pg_autouser ... IS 'managed'), whatever the group role is now.
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
    JOIN pg_catalog.pg_roles r ON r.oid = s.role
    UNION ALL
    SELECT t.pid, t.role::name, t.database, t.backend_start, t.cert_serial,
           t.cert_issuer, t.cert_not_after, t.node
    FROM autouser.standby_sessions t
    WHERE t.pid <> 0 AND t.expires_at > pg_catalog.now()
      AND t.node IS DISTINCT FROM autouser._node_name();

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

-- Every object here got the owner's default privileges (ALTER DEFAULT
-- PRIVILEGES FOR ROLE ... without IN SCHEMA, which _check_install cannot
-- refuse): the extension's objects are the owner's alone until an
-- administrator grants on them.
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
    LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON %s %s FROM %s CASCADE', o.kind, o.name, o.grantee);
    END LOOP;
END
$$;
