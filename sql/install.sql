-- install.sql -- CREATE EXTENSION builds the autouser schema closed to
-- PUBLIC, creates the NOLOGIN group role, and refuses any database other
-- than pg_autouser.database and any schema autouser that is not the
-- installer's own and empty.

-- Start from a fresh install whatever ran before.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS pg_autouser;
RESET client_min_messages;
CREATE EXTENSION pg_autouser;

SELECT extname, extversion, extrelocatable, extnamespace::regnamespace AS schema
FROM pg_extension WHERE extname = 'pg_autouser';

-- The objects of SPEC 4 that the install script provides.
SELECT o AS object, to_regclass(o) IS NOT NULL AS exists
FROM unnest(ARRAY['autouser.rules', 'autouser.rules_id_seq']) AS o;
SELECT o AS function, to_regprocedure(o) IS NOT NULL AS exists
FROM unnest(ARRAY[
    'autouser.add_rule(text, text[], text, text, text, jsonb)',
    'autouser.drop_rule(bigint)',
    'autouser.preview(text, text, jsonb)',
    'autouser.preview_options(text, text, jsonb)']) AS o;
SELECT attname, format_type(atttypid, atttypmod) AS type, attnotnull
FROM pg_attribute
WHERE attrelid = 'autouser.rules'::regclass AND attnum > 0 AND NOT attisdropped
ORDER BY attnum;
SELECT pg_get_function_result(p.oid) AS result,
       pg_get_function_arguments(p.oid) AS arguments
FROM pg_proc p
WHERE p.pronamespace = 'autouser'::regnamespace
  AND p.proname IN ('add_rule', 'drop_rule', 'preview', 'preview_options')
ORDER BY p.proname;
SELECT tgname, tgenabled FROM pg_trigger
WHERE tgrelid = 'autouser.rules'::regclass AND NOT tgisinternal
ORDER BY tgname;

-- pg_dump keeps the rules and their sequence.
SELECT c.relname
FROM pg_extension e, unnest(e.extconfig) AS cfg(oid)
JOIN pg_class c ON c.oid = cfg.oid
WHERE e.extname = 'pg_autouser'
ORDER BY c.relname;

-- The group role exists and cannot log in.
SHOW pg_autouser.group_role;
SELECT rolname, rolcanlogin, rolsuper, rolcreaterole, rolinherit
FROM pg_roles WHERE rolname = current_setting('pg_autouser.group_role');

-- Nothing in the schema is open to PUBLIC.
CREATE ROLE regress_nobody NOLOGIN;
SELECT has_schema_privilege('regress_nobody', 'autouser', 'USAGE') AS schema_usage,
       has_schema_privilege('regress_nobody', 'autouser', 'CREATE') AS schema_create;
SELECT c.relname,
       has_table_privilege('regress_nobody', c.oid,
           'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER') AS any_privilege
FROM pg_class c
WHERE c.relnamespace = 'autouser'::regnamespace AND c.relkind IN ('r', 'v', 'p')
  AND has_table_privilege('regress_nobody', c.oid,
          'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER');
SELECT c.relname
FROM pg_class c
WHERE c.relnamespace = 'autouser'::regnamespace
  AND CASE WHEN c.relkind = 'S'
           THEN has_sequence_privilege('regress_nobody', c.oid, 'USAGE, SELECT, UPDATE') END;
SELECT p.proname
FROM pg_proc p
WHERE p.pronamespace = 'autouser'::regnamespace
  AND has_function_privilege('regress_nobody', p.oid, 'EXECUTE');
-- No ACL entry anywhere in the schema names PUBLIC (grantee 0).
SELECT count(*) AS public_grants FROM (
    SELECT (aclexplode(relacl)).grantee FROM pg_class
    WHERE relnamespace = 'autouser'::regnamespace AND relacl IS NOT NULL
    UNION ALL
    SELECT (aclexplode(proacl)).grantee FROM pg_proc
    WHERE pronamespace = 'autouser'::regnamespace AND proacl IS NOT NULL
    UNION ALL
    SELECT (aclexplode(nspacl)).grantee FROM pg_namespace
    WHERE nspname = 'autouser' AND nspacl IS NOT NULL
) g WHERE grantee = 0;
SELECT count(*) AS functions_with_default_acl FROM pg_proc
WHERE pronamespace = 'autouser'::regnamespace AND proacl IS NULL;

-- And so a plain role gets nothing: first the schema stops it...
SET ROLE regress_nobody;
SELECT * FROM autouser.rules;
SELECT autouser.add_rule('regress_x', ARRAY['regress_nobody']);
SELECT autouser.drop_rule(1);
SELECT autouser.preview('regress_x');
RESET ROLE;
-- ...then, with USAGE on the schema, each object does.
GRANT USAGE ON SCHEMA autouser TO regress_nobody;
SET ROLE regress_nobody;
SELECT * FROM autouser.rules;
INSERT INTO autouser.rules (identity, roles) VALUES ('regress_x', '{regress_nobody}');
SELECT nextval('autouser.rules_id_seq');
SELECT autouser.add_rule('regress_x', ARRAY['regress_nobody']);
SELECT autouser.drop_rule(1);
SELECT autouser.preview('regress_x');
SELECT autouser._preview('regress_x', 'contrib_regression', '{}', '{}');
SELECT autouser._check_rule('regress_x', ARRAY['regress_nobody'], '*', NULL);
RESET ROLE;
REVOKE USAGE ON SCHEMA autouser FROM regress_nobody;
SELECT count(*) AS rules FROM autouser.rules;

-- Installing again over an existing group role works and keeps it.
DROP EXTENSION pg_autouser;
SELECT count(*) AS group_role_kept FROM pg_roles
WHERE rolname = current_setting('pg_autouser.group_role');
CREATE EXTENSION pg_autouser;
SELECT count(*) AS group_roles FROM pg_roles
WHERE rolname = current_setting('pg_autouser.group_role');

-- DROP EXTENSION leaves the schema CREATE EXTENSION made; the installer's
-- own, empty, it is used again.
DROP EXTENSION pg_autouser;
SELECT nspowner = current_user::regrole AS schema_kept_and_ours
FROM pg_namespace WHERE nspname = 'autouser';
CREATE EXTENSION pg_autouser;

-- Any other schema autouser that exists before CREATE EXTENSION is refused:
-- the workers run SQL in it with the extension owner's rights, so another
-- role's (the database owner's, say), one others may create objects
-- in, and one that holds anything would hand those rights over.
DROP EXTENSION pg_autouser;
DROP SCHEMA autouser;
CREATE ROLE regress_dbo NOLOGIN;
CREATE SCHEMA autouser AUTHORIZATION regress_dbo;
-- PostgreSQL 18 adds the script line as CONTEXT; that is not ours to test.
\set SHOW_CONTEXT never
CREATE EXTENSION pg_autouser;
ALTER SCHEMA autouser OWNER TO CURRENT_USER;
GRANT CREATE ON SCHEMA autouser TO regress_dbo;
CREATE EXTENSION pg_autouser;
REVOKE CREATE ON SCHEMA autouser FROM regress_dbo;
GRANT CREATE ON SCHEMA autouser TO PUBLIC;
CREATE EXTENSION pg_autouser;
REVOKE CREATE ON SCHEMA autouser FROM PUBLIC;
CREATE TABLE autouser.rules (id bigint);
CREATE EXTENSION pg_autouser;
DROP TABLE autouser.rules;
\set SHOW_CONTEXT errors
SELECT count(*) AS extensions FROM pg_extension WHERE extname = 'pg_autouser';
CREATE EXTENSION pg_autouser;
-- What CREATE EXTENSION made, another role can neither rename, take nor
-- fill.
GRANT USAGE ON SCHEMA autouser TO regress_dbo;
SET ROLE regress_dbo;
ALTER SCHEMA autouser RENAME TO autouser_real;
ALTER SCHEMA autouser OWNER TO regress_dbo;
CREATE TABLE autouser.squat ();
ALTER TABLE autouser.rules DISABLE TRIGGER rules_changed;
RESET ROLE;
REVOKE USAGE ON SCHEMA autouser FROM regress_dbo;
-- A schema handed to another role afterwards stops the functions that act
-- with the extension owner's rights (55000), until it is given back.
ALTER SCHEMA autouser OWNER TO regress_dbo;
DO $$
BEGIN
    PERFORM autouser.add_rule('regress_x', ARRAY['regress_nobody']);
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE '% %', SQLSTATE, replace(SQLERRM, current_user, '<superuser>');
END
$$;
ALTER SCHEMA autouser OWNER TO CURRENT_USER;
SELECT autouser.drop_rule(autouser.add_rule('regress_x', ARRAY['regress_nobody'])) AS works_again;
DROP ROLE regress_dbo;

-- Any database other than pg_autouser.database is refused with 55000, and
-- nothing is left behind there.
\c postgres
DO $$
BEGIN
    CREATE EXTENSION pg_autouser;
    RAISE NOTICE 'created';
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE '% %', SQLSTATE, SQLERRM;
END
$$;
-- PostgreSQL 18 adds the script line as CONTEXT; that is not ours to test.
\set SHOW_CONTEXT never
CREATE EXTENSION pg_autouser;
\set SHOW_CONTEXT errors
SELECT count(*) AS extensions FROM pg_extension WHERE extname = 'pg_autouser';
SELECT count(*) AS schemas FROM pg_namespace WHERE nspname = 'autouser';
\c contrib_regression

DROP ROLE regress_nobody;
-- The extension stays installed for the other tests.
SELECT count(*) AS installed FROM pg_extension WHERE extname = 'pg_autouser';
