-- cn_with_double_quote.sql -- identities and role names with quotes,
-- semicolons and spaces are plain names to add_rule and preview, and the
-- %I / quote_identifier quoting the extension relies on parses back to the
-- very same name.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_autouser;
RESET client_min_messages;

CREATE FUNCTION pg_temp.pv(identity text, database text DEFAULT current_database(),
                           attrs jsonb DEFAULT '{}') RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    RETURN coalesce(autouser.preview(identity, database, attrs)::text, 'NULL');
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

CREATE TABLE pg_temp.names (n text PRIMARY KEY);
INSERT INTO pg_temp.names VALUES
    ('regress_o''brien"; drop role regress_x; --'),
    ('regress_"'),
    ('regress_""'),
    ('"regress_quoted"'),
    ('regress_a b'),
    ('regress_semi;colon'),
    ('regress_back\slash'),
    ('regress_Mixed'),
    ('regress_'');--');

-- The canary the injected text would drop.
CREATE ROLE regress_x NOLOGIN;
CREATE ROLE regress_reader NOLOGIN;

-- A new identity full of quotes is stored verbatim and previewed as the
-- role it would become.
SELECT autouser.add_rule('regress_o''brien"; drop role regress_x; --',
                         ARRAY['regress_reader']) IS NOT NULL AS added;
SELECT identity = 'regress_o''brien"; drop role regress_x; --' AS stored_verbatim,
       length(identity) AS length, roles
FROM autouser.rules WHERE identity LIKE 'regress_o''brien%';
SELECT pg_temp.pv('regress_o''brien"; drop role regress_x; --');
SELECT pg_temp.pv('regress_o''brien"; drop role regress_x; -');
SELECT count(*) AS canary_alive FROM pg_roles WHERE rolname = 'regress_x';

-- Quoting: every name quotes to something that parses back to itself.
SELECT n, quote_ident(n) AS quoted, to_regrole(quote_ident(n)) IS NULL AS no_role_yet
FROM pg_temp.names ORDER BY n COLLATE "C";
DO $$
DECLARE
    name text;
BEGIN
    FOR name IN SELECT n FROM pg_temp.names LOOP
        EXECUTE format('CREATE ROLE %I NOLOGIN', name);
    END LOOP;
END
$$;
SELECT n, r.rolname::text = n AS same_name, to_regrole(quote_ident(n)) = r.oid AS parses_back
FROM pg_temp.names LEFT JOIN pg_roles r ON r.rolname = n
ORDER BY n COLLATE "C";
SELECT count(*) AS canary_alive FROM pg_roles WHERE rolname = 'regress_x';

-- Such names are plain role names in rules ...
SELECT autouser.add_rule('regress_o''b*', ARRAY['regress_semi;colon', 'regress_'');--', 'regress_"'])
       IS NOT NULL AS added;
SELECT autouser.add_rule('* b', ARRAY['"regress_quoted"', 'regress_back\slash', 'regress_""'],
                         database => 'contrib_regression') IS NOT NULL AS added;
SELECT autouser.add_rule('regress_'''' *', ARRAY['regress_{{cert.OU}}']) IS NOT NULL AS added;
SELECT identity, database, roles FROM autouser.rules
WHERE identity IN ('regress_o''b*', '* b', 'regress_'''' *')
ORDER BY id;

-- ... in previews ...
SELECT pg_temp.pv('regress_o''brien');
SELECT pg_temp.pv('regress_O''brien');
SELECT pg_temp.pv('regress_xa b');
SELECT pg_temp.pv('regress_'''' x', attrs => '{"OU": ["\"", "Mixed", "a b"]}');
SELECT pg_temp.pv('regress_'''' x', attrs => '{"OU": "\"\""}');
SELECT pg_temp.pv('regress_'''' x', attrs => '{"OU": "''); drop role regress_x; --"}');

-- ... and as existing roles: the rejection names them exactly.
SELECT pg_temp.pv('regress_o''brien"; drop role regress_x; --');
SELECT pg_temp.pv('regress_a b');
GRANT auto_user TO "regress_o'brien""; drop role regress_x; --";
SELECT pg_temp.pv('regress_o''brien"; drop role regress_x; --');
-- Preview gives the rules' set, whatever the role holds now.
GRANT "regress_Mixed" TO "regress_o'brien""; drop role regress_x; --";
SELECT pg_temp.pv('regress_o''brien"; drop role regress_x; --');

-- A non-ASCII name round-trips too.  (Unaligned output: the width psql
-- gives it depends on the database encoding.)
\pset format unaligned
SELECT quote_ident('regress_Ünï "q"') AS quoted;
CREATE ROLE "regress_Ünï ""q""" NOLOGIN;
SELECT rolname = 'regress_Ünï "q"' AS same_name,
       to_regrole(quote_ident('regress_Ünï "q"')) = oid AS parses_back
FROM pg_roles WHERE rolname = 'regress_Ünï "q"';
SELECT autouser.add_rule('regress_Ünï "q"', ARRAY['regress_reader']) IS NOT NULL AS added;
SELECT pg_temp.pv('regress_Ünï "q"');
GRANT auto_user TO "regress_Ünï ""q""";
SELECT pg_temp.pv('regress_Ünï "q"');
SELECT autouser.add_rule('regress_Ü*', ARRAY['regress_{{cert.OU}}']) IS NOT NULL AS added;
SELECT pg_temp.pv('regress_Ünï', attrs => '{"OU": "Ünï \"q\""}');
\pset format aligned
DROP ROLE "regress_Ünï ""q""";
SELECT pg_temp.pv('regress_Ünï "q"');

-- Nothing else changed.
SELECT count(*) AS canary_alive FROM pg_roles WHERE rolname = 'regress_x';
SELECT count(*) AS roles_kept FROM pg_temp.names JOIN pg_roles ON rolname = n;

-- Clean up.
DELETE FROM autouser.rules
WHERE identity IN ('regress_o''brien"; drop role regress_x; --', 'regress_o''b*', '* b',
                   'regress_'''' *', 'regress_Ünï "q"', 'regress_Ü*');
DO $$
DECLARE
    name text;
BEGIN
    FOR name IN SELECT n FROM pg_temp.names LOOP
        EXECUTE format('DROP ROLE %I', name);
    END LOOP;
END
$$;
DROP ROLE regress_x, regress_reader;
SELECT count(*) AS roles_left FROM pg_roles
WHERE rolname IN (SELECT n FROM pg_temp.names) OR rolname IN ('regress_x', 'regress_reader');
