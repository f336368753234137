-- privileges.sql -- a role nobody granted anything cannot read or write the
-- autouser tables and view nor call any of its functions (42501): first the
-- schema stops it, then, with USAGE on the schema, each object does.  An
-- EXECUTE grant is all it takes to call a function, and gives that
-- function's effect alone.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_autouser;
RESET client_min_messages;

-- Runs sql as regress_nobody; returns 'ok' or SQLSTATE and message, and says so if the rules
-- or events changed although sql failed.
CREATE FUNCTION pg_temp.try(sql text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    before text := (SELECT count(*) FROM autouser.rules) || '/' || (SELECT count(*) FROM autouser.events);
    result text;
BEGIN
    BEGIN
        EXECUTE format('SET LOCAL ROLE %I', 'regress_nobody');
        EXECUTE sql;
        RESET ROLE;
        result := 'ok';
    EXCEPTION WHEN OTHERS THEN
        result := SQLSTATE || ': ' || SQLERRM;
    END;
    IF (SELECT count(*) FROM autouser.rules) || '/' || (SELECT count(*) FROM autouser.events)
       IS DISTINCT FROM before THEN
        result := result || ' [changed]';
    END IF;
    RETURN result;
END
$$;

CREATE ROLE regress_nobody NOLOGIN;
CREATE ROLE regress_reader NOLOGIN;
-- A managed role for deactivate and _session_count to name.
CREATE ROLE regress_managed NOLOGIN IN ROLE auto_user, regress_reader;
SECURITY LABEL FOR pg_autouser ON ROLE regress_managed IS 'managed';
SELECT autouser.add_rule('regress_x', ARRAY['regress_reader']) AS rule_id \gset

CREATE TABLE pg_temp.statements (n int PRIMARY KEY, sql text);
INSERT INTO pg_temp.statements VALUES
    (1, 'SELECT * FROM autouser.events'),
    (2, 'SELECT * FROM autouser.user_state'),
    (3, 'SELECT * FROM autouser.users'),
    (4, 'SELECT * FROM autouser.rules'),
    (5, $$INSERT INTO autouser.rules (identity, roles) VALUES ('regress_x', '{regress_reader}')$$),
    (6, $$UPDATE autouser.rules SET enabled = false$$),
    (7, $$DELETE FROM autouser.events$$),
    (8, $$INSERT INTO autouser.user_state (role) VALUES ('regress_managed')$$),
    (9, $$SELECT autouser.deactivate('regress_managed')$$),
    (10, $$SELECT autouser.deactivate('regress_managed', terminate => true)$$),
    (11, 'SELECT autouser.sweep()'),
    (12, $$SELECT autouser.add_rule('regress_x', ARRAY['regress_reader'])$$),
    (13, 'SELECT autouser.drop_rule(' || :rule_id || ')'),
    (14, $$SELECT autouser.preview('regress_x')$$),
    (15, $$SELECT autouser._session_count('regress_managed'::regrole)$$);

-- Without USAGE on the schema.
SELECT has_schema_privilege('regress_nobody', 'autouser', 'USAGE') AS schema_usage;
SELECT n, replace(sql, :'rule_id', '<id>') AS sql, pg_temp.try(sql) AS result
FROM pg_temp.statements ORDER BY n;

-- With it, each object refuses.
GRANT USAGE ON SCHEMA autouser TO regress_nobody;
SELECT n, replace(sql, :'rule_id', '<id>') AS sql, pg_temp.try(sql) AS result
FROM pg_temp.statements ORDER BY n;

-- Nothing was done: the rule and the managed role are as they were.
SELECT count(*) AS rules FROM autouser.rules WHERE identity = 'regress_x';
SELECT role, state, roles FROM autouser.users WHERE role = 'regress_managed';

-- An EXECUTE grant opens that one function and nothing else.
GRANT EXECUTE ON FUNCTION autouser.sweep() TO regress_nobody;
SET ROLE regress_nobody;
SELECT autouser.sweep() >= 0 AS swept;
RESET ROLE;
-- It cleans with the extension's rights, not the caller's.  (The role is
-- made in the same transaction, where the cleanup worker cannot see it.)
BEGIN;
CREATE ROLE regress_idle LOGIN IN ROLE auto_user, regress_reader;
SECURITY LABEL FOR pg_autouser ON ROLE regress_idle IS 'managed';
SET LOCAL ROLE regress_nobody;
SELECT autouser.sweep() AS cleaned;
RESET ROLE;
SELECT role, state, roles FROM autouser.users WHERE role = 'regress_idle';
ROLLBACK;
SELECT pg_temp.try($$SELECT autouser.deactivate('regress_managed')$$);
SELECT pg_temp.try($$SELECT * FROM autouser.events$$);
-- The sweep does not touch a NOLOGIN role.
SELECT role, state, roles FROM autouser.users WHERE role = 'regress_managed';
-- So with deactivate: a grant of it lets the grantee deactivate managed roles.
GRANT EXECUTE ON FUNCTION autouser.deactivate(name, boolean) TO regress_nobody;
SET ROLE regress_nobody;
SELECT autouser.deactivate('regress_managed') AS deactivated;
RESET ROLE;
SELECT role, state, roles FROM autouser.users WHERE role = 'regress_managed';
SELECT action, role, roles, detail FROM autouser.events WHERE role = 'regress_managed';

-- So with add_rule, drop_rule and preview: EXECUTE alone is enough, and
-- gives each one's effect with add_rule's checks and no right on the table.
GRANT EXECUTE ON FUNCTION autouser.add_rule(text, text[], text, text, text, jsonb),
    autouser.drop_rule(bigint), autouser.preview(text, text, jsonb) TO regress_nobody;
SET ROLE regress_nobody;
SELECT autouser.add_rule('regress_y', ARRAY['regress_reader']) AS y_rule \gset
SELECT autouser.preview('regress_y') AS y_gets;
SELECT autouser.drop_rule(:y_rule) AS dropped, autouser.drop_rule(:y_rule) AS dropped_again;
RESET ROLE;
SELECT n, replace(sql, :'rule_id', '<id>') AS sql, pg_temp.try(sql) AS result
FROM pg_temp.statements WHERE n BETWEEN 4 AND 6 OR n = 11 ORDER BY n;
SELECT pg_temp.try($$SELECT autouser._check_rule('regress_y', ARRAY['regress_reader'], '*', NULL)$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_y', ARRAY['pg_write_all_data'])$$);
-- A role that may call add_rule or drop_rule may change the rules: no rule
-- may grant it.
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_y', ARRAY['regress_nobody'])$$);
REVOKE EXECUTE ON FUNCTION autouser.add_rule(text, text[], text, text, text, jsonb) FROM regress_nobody;
SELECT autouser._check_rule('regress_y', ARRAY['regress_nobody'], '*', NULL);
REVOKE EXECUTE ON FUNCTION autouser.drop_rule(bigint) FROM regress_nobody;
SELECT autouser._check_rule('regress_y', ARRAY['regress_nobody'], '*', NULL) AS allowed_again;

-- Clean up.
REVOKE EXECUTE ON FUNCTION autouser.preview(text, text, jsonb) FROM regress_nobody;
REVOKE EXECUTE ON FUNCTION autouser.sweep() FROM regress_nobody;
REVOKE EXECUTE ON FUNCTION autouser.deactivate(name, boolean) FROM regress_nobody;
REVOKE USAGE ON SCHEMA autouser FROM regress_nobody;
SELECT autouser.drop_rule(:rule_id) AS dropped;
DROP ROLE regress_nobody, regress_managed, regress_reader;
DELETE FROM autouser.events WHERE role LIKE 'regress\_%';
SELECT count(*) AS roles_left FROM pg_roles WHERE rolname LIKE 'regress\_%';
