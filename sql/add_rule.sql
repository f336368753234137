-- add_rule.sql -- add_rule stores valid rules as given and refuses every bad
-- input with 22023 naming it, changing nothing; drop_rule reports whether a
-- rule went.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_autouser;
RESET client_min_messages;

-- Runs sql; returns 'ok' or SQLSTATE, message and detail, and says so if
-- autouser.rules changed although sql failed.
CREATE FUNCTION pg_temp.try(sql text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    before text := (SELECT string_agg(r::text, ',' ORDER BY r.id) FROM autouser.rules r);
    result text;
    detail text;
BEGIN
    BEGIN
        EXECUTE sql;
        RETURN 'ok';
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
        result := SQLSTATE || ': ' || SQLERRM;
        IF detail <> '' THEN
            result := result || ' (' || detail || ')';
        END IF;
    END;
    IF (SELECT string_agg(r::text, ',' ORDER BY r.id) FROM autouser.rules r)
       IS DISTINCT FROM before THEN
        result := result || ' [rules changed]';
    END IF;
    RETURN result;
END
$$;

CREATE ROLE regress_reader NOLOGIN;
CREATE ROLE regress_writer NOLOGIN;
CREATE ROLE regress_admins NOLOGIN SUPERUSER;
CREATE ROLE regress_sneaky NOLOGIN;
GRANT regress_admins TO regress_sneaky;
CREATE ROLE regress_deep NOLOGIN;
GRANT regress_sneaky TO regress_deep;
CREATE ROLE regress_rolemaker NOLOGIN CREATEROLE;
CREATE ROLE regress_replicator NOLOGIN REPLICATION;
CREATE ROLE regress_bypasser NOLOGIN BYPASSRLS;
CREATE ROLE regress_shell NOLOGIN;
GRANT pg_execute_server_program TO regress_shell;
CREATE ROLE regress_managed NOLOGIN;
GRANT auto_user TO regress_managed;

SELECT count(*) AS rules_before FROM autouser.rules;

-- Good rules, stored exactly as given.
SELECT autouser.add_rule('regress_alice', ARRAY['regress_reader', 'regress_writer']) AS first_id \gset
SELECT autouser.add_rule('regress_*', ARRAY['regress_reader']) IS NOT NULL AS added;
SELECT autouser.add_rule('regress_b*b', ARRAY['regress_reader'], 'contrib_*') IS NOT NULL AS added;
SELECT autouser.add_rule('*', ARRAY['regress_writer'], '*', 'eng') IS NOT NULL AS added;
SELECT autouser.add_rule('regress_carol', ARRAY['regress_team_{{cert.OU}}', 'regress_{{cert.O}}_{{cert.OU}}',
                                                '{{cert.CN}}_home'],
                         comment => 'templates need no role yet') IS NOT NULL AS added;
SELECT autouser.add_rule(identity => 'regress_dave', roles => ARRAY['regress_writer'],
                         database => 'postgres', cert_ou => 'Ops Team',
                         comment => 'named arguments') IS NOT NULL AS added;
-- 63 bytes besides the '*'s is the longest identity pattern.
SELECT autouser.add_rule('**' || repeat('a', 63) || '*', ARRAY['regress_reader']) IS NOT NULL AS added;
-- A rule for a reserved or unusual name is just a pattern.
SELECT autouser.add_rule('pg_*', ARRAY['regress_reader']) IS NOT NULL AS added;
SELECT autouser.add_rule('Regress Mixed Case', ARRAY['regress_reader', 'regress_reader']) IS NOT NULL AS added;

SELECT id - :first_id AS rel_id, identity, database, cert_ou, roles, enabled, comment,
       created_at IS NOT NULL AS has_created_at
FROM autouser.rules ORDER BY id;
-- Non-ASCII names are bytes like any other.  (Unaligned output: the width
-- psql gives them depends on the database encoding.)
\pset format unaligned
SELECT autouser.add_rule('Regress Ünïcode', ARRAY['regress_reader']) IS NOT NULL AS added;
SELECT identity, octet_length(identity) AS bytes, roles FROM autouser.rules
WHERE identity = 'Regress Ünïcode';
-- 64 bytes of UTF-8 (32 two-byte characters) are too many.
SELECT pg_temp.try($$SELECT autouser.add_rule(repeat('é', 32), ARRAY['regress_reader'])$$);
\pset format aligned
-- Ids come from the sequence, increasing.
SELECT bool_and(id > :first_id) AS increasing FROM autouser.rules WHERE id <> :first_id;

-- drop_rule: true once, then false; false for ids that never existed.
SELECT autouser.drop_rule(:first_id) AS dropped;
SELECT autouser.drop_rule(:first_id) AS dropped_again;
SELECT autouser.drop_rule(-1) AS dropped_missing;
SELECT autouser.drop_rule(NULL) AS dropped_null;
SELECT count(*) AS rules_now FROM autouser.rules;

-- Bad identity patterns.
SELECT pg_temp.try($$SELECT autouser.add_rule(NULL, ARRAY['regress_reader'])$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('', ARRAY['regress_reader'])$$);
SELECT pg_temp.try($$SELECT autouser.add_rule(E'a\tb', ARRAY['regress_reader'])$$);
SELECT pg_temp.try($$SELECT autouser.add_rule(E'a\nb', ARRAY['regress_reader'])$$);
SELECT pg_temp.try($$SELECT autouser.add_rule(E'a\x7fb', ARRAY['regress_reader'])$$);
SELECT pg_temp.try($$SELECT autouser.add_rule(repeat('a', 64), ARRAY['regress_reader'])$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('*' || repeat('a', 64), ARRAY['regress_reader'])$$);

-- Bad role arrays.
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', NULL)$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', '{}')$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY['regress_reader', NULL])$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY[NULL]::text[])$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY[['regress_reader'], ['regress_writer']])$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY['regress_no_such_role'])$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY['regress_reader', 'regress_no_such_role'])$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY[''])$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY[E'regress_\nreader'])$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY[repeat('r', 64)])$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY[repeat('r', 64) || '{{cert.OU}}'])$$);
-- Role names are case-sensitive.
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY['REGRESS_READER'])$$);

-- Malformed templates.
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY['{{cert.}}'])$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY['{{cert.OU'])$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY['x}}'])$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY['{{OU}}'])$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY['{{cert.O-U}}'])$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY['{{cert.1OU}}'])$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY['{{{cert.OU}}'])$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY['team_{{cert.OU}', 'regress_reader'])$$);

-- Forbidden roles, directly or through inheritance.
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY['regress_admins'])$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY['regress_reader', 'regress_sneaky'])$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY['regress_deep'])$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY['regress_rolemaker'])$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY['regress_replicator'])$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY['regress_bypasser'])$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY['pg_execute_server_program'])$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY['pg_read_server_files'])$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY['pg_write_server_files'])$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY['regress_shell'])$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY['auto_user'])$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY['regress_managed'])$$);
-- The bootstrap superuser (its name varies, so it is masked).
SELECT replace(pg_temp.try(format('SELECT autouser.add_rule(%L, ARRAY[%L])', 'regress_x', current_user)),
               current_user, '<superuser>') AS try;
-- forbidden_roles is reloaded, not SET (it is covered elsewhere).
SELECT pg_temp.try($$SET pg_autouser.forbidden_roles = 'regress_reader'$$);

-- Bad cert_ou.
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY['regress_reader'], cert_ou => '*')$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY['regress_reader'], cert_ou => 'eng*')$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY['regress_reader'], cert_ou => '')$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY['regress_reader'], cert_ou => E'e\nng')$$);

-- Bad database patterns.
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY['regress_reader'], NULL)$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY['regress_reader'], '')$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY['regress_reader'], E'db\r')$$);
SELECT pg_temp.try($$SELECT autouser.add_rule('regress_x', ARRAY['regress_reader'], repeat('d', 64))$$);

-- None of that changed the rules.
SELECT count(*) AS rules_now FROM autouser.rules;
SELECT count(*) AS rules_for_regress_x FROM autouser.rules WHERE identity = 'regress_x';

-- Clean up.
DELETE FROM autouser.rules WHERE id > :first_id;
SELECT count(*) AS rules_after FROM autouser.rules;
DROP ROLE regress_reader, regress_writer, regress_deep, regress_sneaky, regress_admins,
    regress_rolemaker, regress_replicator, regress_bypasser, regress_shell, regress_managed;
