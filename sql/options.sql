-- options.sql -- rule options (add_rule's options, the options column):
-- what is stored, how preview_options merges the matching rules' options
-- (the most restrictive value, else the lowest rule id), and every bad
-- option refused with 22023 naming its key and changing nothing, whether
-- it comes through add_rule or a direct INSERT or UPDATE.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_autouser;
RESET client_min_messages;

-- Runs sql; returns 'ok', or the error's SQLSTATE, message and detail.
-- (Whether a failure changed the rules is counted below.)
CREATE FUNCTION pg_temp.try(sql text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    detail text;
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
    RETURN SQLSTATE || ': ' || SQLERRM || coalesce(' (' || nullif(detail, '') || ')', '');
END
$$;
-- add_rule('regress_x', ['regress_reader'], options => opts), tried.
CREATE FUNCTION pg_temp.opt(opts text) RETURNS text LANGUAGE sql AS $$
    SELECT pg_temp.try(format('SELECT autouser.add_rule(%L, ARRAY[%L], options => %L)',
                              'regress_x', 'regress_reader', opts))
$$;

CREATE ROLE regress_reader NOLOGIN;

-- Stored as given; no options is '{}'.
SELECT autouser.add_rule('regress_plain', ARRAY['regress_reader']) AS first_id \gset
SELECT autouser.add_rule('regress_alice', ARRAY['regress_reader'], options =>
    '{"connection_limit": 3, "inherit": false,
      "settings": {"Statement_Timeout": "5s", "search_path": "App, \"$user\", public",
                   "default_transaction_read_only": true, "work_mem": 4096}}') IS NOT NULL AS added;
SELECT id - :first_id AS rel_id, identity, options FROM autouser.rules ORDER BY id;
SELECT autouser.preview_options('regress_plain') AS no_options,
       autouser.preview_options('regress_nobody') IS NULL AS no_rule;
-- Setting names become PostgreSQL's own, list settings are quoted element
-- by element, numbers and booleans become text.
SELECT jsonb_pretty(autouser.preview_options('regress_alice'));
DELETE FROM autouser.rules WHERE identity LIKE 'regress\_%';

-- Merged across matching rules: the most restrictive value wins.
SELECT autouser.add_rule('regress_m*', ARRAY['regress_reader'], options =>
    '{"connection_limit": -1, "inherit": true,
      "settings": {"statement_timeout": "1min", "lock_timeout": 0,
                   "idle_in_transaction_session_timeout": "10s", "work_mem": "1MB",
                   "default_transaction_read_only": "off", "search_path": "first",
                   "application_name": "first"}}') IS NOT NULL AS added;
SELECT autouser.add_rule('regress_mal*', ARRAY['regress_reader'], options =>
    '{"connection_limit": 5, "inherit": false,
      "settings": {"statement_timeout": "5s", "lock_timeout": "2s",
                   "idle_in_transaction_session_timeout": 0, "work_mem": "4MB",
                   "default_transaction_read_only": "on", "search_path": "second",
                   "application_name": "second", "DateStyle": "ISO, DMY"}}') IS NOT NULL AS added;
SELECT autouser.add_rule('regress_mallory', ARRAY['regress_reader'], options =>
    '{"connection_limit": 2, "settings": {"work_mem": "2048kB"}}') IS NOT NULL AS added;
-- regress_max matches the first rule only; regress_malcolm the first two;
-- regress_mallory all three.
SELECT identity, jsonb_pretty(autouser.preview_options(identity)) AS options
FROM unnest(ARRAY['regress_max', 'regress_malcolm', 'regress_mallory']) AS identity;
-- The other order of ids: for settings with no order, the lower id wins.
UPDATE autouser.rules SET id = id + 1000 WHERE identity = 'regress_m*';
SELECT autouser.preview_options('regress_malcolm') -> 'settings' ->> 'search_path' AS search_path,
       autouser.preview_options('regress_malcolm') -> 'settings' ->> 'statement_timeout' AS statement_timeout;
-- Options of a rule whose OU does not match are not merged.
SELECT autouser.add_rule('regress_mallory', ARRAY['regress_reader'], cert_ou => 'ops',
                         options => '{"connection_limit": 1}') IS NOT NULL AS added;
SELECT autouser.preview_options('regress_mallory') -> 'connection_limit' AS without_ou,
       autouser.preview_options('regress_mallory', attrs => '{"OU": "ops"}') -> 'connection_limit' AS with_ou;
-- A refused login is refused by preview_options too.
CREATE ROLE regress_mallory LOGIN;
SELECT pg_temp.try($$SELECT autouser.preview_options('regress_mallory')$$);
DROP ROLE regress_mallory;
DELETE FROM autouser.rules WHERE identity LIKE 'regress\_%';

SELECT count(*) AS rules_before FROM autouser.rules;

-- Not an object, unknown keys, wrong JSON types.
SELECT pg_temp.opt(NULL);
SELECT pg_temp.opt('null');
SELECT pg_temp.opt('[]');
SELECT pg_temp.opt('"connection_limit"');
SELECT pg_temp.opt('{"connectionlimit": 1}');
SELECT pg_temp.opt('{"superuser": true}');
SELECT pg_temp.opt('{"connection_limit": -2}');
SELECT pg_temp.opt('{"connection_limit": 1.5}');
SELECT pg_temp.opt('{"connection_limit": "3"}');
SELECT pg_temp.opt('{"connection_limit": 2147483648}');
SELECT pg_temp.opt('{"connection_limit": null}');
SELECT pg_temp.opt('{"inherit": "yes"}');
SELECT pg_temp.opt('{"inherit": 0}');
SELECT pg_temp.opt('{"settings": ["work_mem"]}');
SELECT pg_temp.opt('{"settings": "work_mem=1MB"}');

-- Settings a rule may not give.
SELECT pg_temp.opt('{"settings": {"no_such_setting": "1"}}');
SELECT pg_temp.opt('{"settings": {"sort_mem": "1MB"}}');
SELECT pg_temp.opt('{"settings": {"plpgsql.extra_warnings": "all"}}');
SELECT pg_temp.opt('{"settings": {"pg_autouser.enabled": "off"}}');
SELECT pg_temp.opt('{"settings": {"regress.anything": "x"}}');
SELECT pg_temp.opt('{"settings": {"work_mem": "1MB", "WORK_MEM": "2MB"}}');
SELECT pg_temp.opt('{"settings": {"role": "regress_reader"}}');
SELECT pg_temp.opt('{"settings": {"session_authorization": "regress_reader"}}');
SELECT pg_temp.opt('{"settings": {"session_preload_libraries": "auto_explain"}}');
SELECT pg_temp.opt('{"settings": {"local_preload_libraries": "auto_explain"}}');
SELECT pg_temp.opt('{"settings": {"log_statement": "none"}}');
SELECT pg_temp.opt('{"settings": {"session_replication_role": "replica"}}');
SELECT pg_temp.opt('{"settings": {"lo_compat_privileges": "on"}}');
SELECT pg_temp.opt('{"settings": {"log_min_duration_statement": "-1"}}');
SELECT pg_temp.opt('{"settings": {"temp_file_limit": "1GB"}}');
SELECT pg_temp.opt('{"settings": {"is_superuser": "on"}}');
SELECT pg_temp.opt('{"settings": {"shared_buffers": "1GB"}}');
SELECT pg_temp.opt('{"settings": {"log_connections": "off"}}');
SELECT pg_temp.opt('{"settings": {"ssl": "off"}}');

-- Values a rule may not give.
SELECT pg_temp.opt('{"settings": {"work_mem": null}}');
SELECT pg_temp.opt('{"settings": {"work_mem": ["1MB"]}}');
SELECT pg_temp.opt('{"settings": {"work_mem": {"value": "1MB"}}}');
SELECT pg_temp.opt('{"settings": {"statement_timeout": "soon"}}');
-- PostgreSQL's reason comes along, worded by the server: from PostgreSQL 17
-- the bounds of the valid range carry the unit as well.
SELECT CASE WHEN refusal = format('22023: invalid value for setting "work_mem" in rule options (PostgreSQL says: 1 kB is outside the valid range for parameter "work_mem" (%s))',
                                  CASE WHEN current_setting('server_version_num')::int >= 170000
                                       THEN '64 kB .. 2147483647 kB' ELSE '64 .. 2147483647' END)
            THEN 'refused with PostgreSQL''s reason' ELSE refusal END AS work_mem_1kb
FROM pg_temp.opt('{"settings": {"work_mem": "1kB"}}') AS refusal;
SELECT pg_temp.opt('{"settings": {"default_transaction_read_only": "perhaps"}}');
SELECT pg_temp.opt('{"settings": {"default_transaction_isolation": "chaotic"}}');
SELECT pg_temp.opt('{"settings": {"search_path": ""}}');
SELECT pg_temp.opt('{"settings": {"search_path": "a,,b"}}');
SELECT pg_temp.opt('{"settings": {"search_path": "\"unterminated"}}');
SELECT pg_temp.opt('{"settings": {"search_path": "\"a\nb\""}}');
SELECT pg_temp.opt('{"settings": {"search_path": "pg_temp"}}');
SELECT pg_temp.opt('{"settings": {"search_path": "public, pg_temp"}}');
SELECT pg_temp.opt('{"settings": {"search_path": "\"pg_temp_3\", public"}}');
SELECT pg_temp.opt('{"settings": {"search_path": "pg_toast_temp_1"}}');
SELECT pg_temp.opt('{"settings": {"search_path": "public, pg_catalog"}}');
SELECT pg_temp.opt('{"settings": {"search_path": "pg_toast"}}');
SELECT pg_temp.opt('{"settings": {"temp_tablespaces": ""}}');
-- pg_catalog first is fine (and its case is folded, as SET folds it).
SELECT pg_temp.opt('{"settings": {"search_path": "PG_CATALOG, \"$user\""}}');

-- A direct INSERT or UPDATE is checked the same way.
SELECT pg_temp.try($$INSERT INTO autouser.rules (identity, roles, options)
                    VALUES ('regress_x', ARRAY['regress_reader'], '{"settings": {"role": "x"}}')$$);
SELECT pg_temp.try($$INSERT INTO autouser.rules (identity, roles, options)
                    VALUES ('regress_x', ARRAY['regress_reader'], NULL)$$);
SELECT pg_temp.try($$INSERT INTO autouser.rules (identity, roles, options)
                    VALUES ('regress_x', ARRAY['regress_reader'], '{"inherit": false}')$$);
SELECT pg_temp.try($$UPDATE autouser.rules SET options = '{"settings": {"log_statement": "all"}}'
                    WHERE identity = 'regress_x'$$);
SELECT pg_temp.try($$UPDATE autouser.rules SET options = '{"connection_limit": "x"}'
                    WHERE identity = 'regress_x'$$);
SELECT identity, options FROM autouser.rules WHERE identity LIKE 'regress\_%' ORDER BY id;

-- None of that changed the rules but the two that worked.
SELECT count(*) AS rules_now FROM autouser.rules;

-- A delegate that may add rules may give settings, but not search_path:
-- it decides whose functions a user's queries run.
CREATE ROLE regress_delegate NOLOGIN;
GRANT USAGE ON SCHEMA autouser TO regress_delegate;
GRANT EXECUTE ON FUNCTION autouser.add_rule(text, text[], text, text, text, jsonb),
                          autouser._check_rule(text, text[], text, text) TO regress_delegate;
GRANT INSERT, UPDATE ON autouser.rules TO regress_delegate;
GRANT SELECT ON autouser.rules TO regress_delegate;
GRANT USAGE ON SEQUENCE autouser.rules_id_seq TO regress_delegate;
SET ROLE regress_delegate;
SELECT pg_temp.opt('{"settings": {"statement_timeout": "1s", "search_path": "public"}}');
SELECT pg_temp.opt('{"settings": {"search_path": "\"$user\""}}');
SELECT pg_temp.try($$INSERT INTO autouser.rules (identity, roles, options)
                    VALUES ('regress_y', ARRAY['regress_reader'],
                            '{"settings": {"search_path": "public"}}')$$);
SELECT pg_temp.try($$UPDATE autouser.rules SET options = '{"settings": {"search_path": "public"}}'
                    WHERE identity = 'regress_x'$$);
SELECT pg_temp.opt('{"settings": {"log_statement": "none"}}');
SELECT pg_temp.opt('{"connection_limit": 1, "settings": {"statement_timeout": "1s"}}');
RESET ROLE;
-- A superuser may, and may then not hand the row to the delegate to edit.
SELECT pg_temp.opt('{"settings": {"search_path": "public"}}');
SET ROLE regress_delegate;
SELECT pg_temp.try($$UPDATE autouser.rules SET identity = 'regress_z'
                    WHERE options -> 'settings' ? 'search_path'$$);
RESET ROLE;
SELECT identity, options FROM autouser.rules WHERE identity LIKE 'regress\_%' ORDER BY id;

-- Clean up.
DELETE FROM autouser.rules WHERE identity LIKE 'regress\_%';
SELECT count(*) AS rules_after FROM autouser.rules;
REVOKE ALL ON autouser.rules FROM regress_delegate;
REVOKE ALL ON SEQUENCE autouser.rules_id_seq FROM regress_delegate;
REVOKE ALL ON FUNCTION autouser.add_rule(text, text[], text, text, text, jsonb),
                       autouser._check_rule(text, text[], text, text) FROM regress_delegate;
REVOKE ALL ON SCHEMA autouser FROM regress_delegate;
DROP ROLE regress_delegate, regress_reader;
