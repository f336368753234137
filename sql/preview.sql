-- preview.sql -- preview gives the exact role set a certificate login would
-- get (union of the matching rules, templates expanded, sorted, distinct),
-- NULL when no rule applies, or the login's rejection as 28000.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_autouser;
RESET client_min_messages;

-- preview as text, or SQLSTATE and message when it raises.
CREATE FUNCTION pg_temp.pv(identity text, database text DEFAULT current_database(),
                           attrs jsonb DEFAULT '{}') RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    RETURN coalesce(autouser.preview(identity, database, attrs)::text, 'NULL');
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

CREATE ROLE regress_reader NOLOGIN;
CREATE ROLE regress_writer NOLOGIN;
CREATE ROLE regress_auditor NOLOGIN;
CREATE ROLE regress_team_eng NOLOGIN;
CREATE ROLE regress_team_ops NOLOGIN;
CREATE ROLE regress_org_acme NOLOGIN;
CREATE ROLE regress_acme_eng NOLOGIN;
CREATE ROLE regress_acme_ops NOLOGIN;
CREATE ROLE regress_dave_home NOLOGIN;
CREATE ROLE regress_admins NOLOGIN SUPERUSER;
CREATE ROLE regress_temp NOLOGIN;

-- Union across rules, sorted and without duplicates; the result is text[].
SELECT autouser.add_rule('regress_alice', ARRAY['regress_writer', 'regress_reader']) IS NOT NULL AS added;
SELECT autouser.add_rule('regress_a*', ARRAY['regress_reader', 'regress_auditor', 'regress_reader']) IS NOT NULL AS added;
SELECT autouser.preview('regress_alice');
SELECT pg_typeof(autouser.preview('regress_alice'));
SELECT autouser.preview('regress_anne');
SELECT autouser.preview('regress_bob') IS NULL AS no_rule;
-- Globs match the whole name, bytewise and case-sensitively.
SELECT pg_temp.pv('regress_alice2'), pg_temp.pv('x_regress_anne'), pg_temp.pv('REGRESS_ANNE'),
       pg_temp.pv('regress_a');
DELETE FROM autouser.rules WHERE identity LIKE 'regress\_%';

-- Database globs.
SELECT autouser.add_rule('regress_bob', ARRAY['regress_reader'], 'contrib_*') IS NOT NULL AS added;
SELECT autouser.add_rule('regress_bob', ARRAY['regress_writer'], 'other_db') IS NOT NULL AS added;
SELECT autouser.add_rule('regress_bob', ARRAY['regress_auditor'], '*') IS NOT NULL AS added;
SELECT db, pg_temp.pv('regress_bob', db) AS roles
FROM unnest(ARRAY['contrib_regression', 'other_db', 'postgres', 'other_db2', 'Contrib_x']) AS db;
-- database defaults to the current one.
SELECT pg_temp.pv('regress_bob');
DELETE FROM autouser.rules WHERE identity LIKE 'regress\_%';

-- cert_ou matches one of the certificate's OU values exactly.
SELECT autouser.add_rule('regress_carol', ARRAY['regress_reader'], cert_ou => 'eng') IS NOT NULL AS added;
SELECT autouser.add_rule('regress_carol', ARRAY['regress_writer'], cert_ou => 'ops') IS NOT NULL AS added;
SELECT autouser.add_rule('regress_carol', ARRAY['regress_auditor'], cert_ou => 'sales') IS NOT NULL AS added;
SELECT attrs, pg_temp.pv('regress_carol', attrs => attrs::jsonb) AS roles
FROM unnest(ARRAY['{"OU": ["eng", "ops"]}', '{"OU": "sales"}', '{"OU": ["ENG"]}',
                  '{"ou": "eng"}', '{"O": "eng"}', '{}', '{"OU": []}', '{"OU": null}']) AS attrs;
SELECT pg_temp.pv('regress_carol', attrs => NULL);
DELETE FROM autouser.rules WHERE identity LIKE 'regress\_%';

-- Templates: one role per value, a missing attribute gives none, text
-- around the template stays, {{cert.CN}} defaults to the identity.
SELECT autouser.add_rule('regress_dave',
                         ARRAY['regress_team_{{cert.OU}}', 'regress_org_{{cert.O}}',
                               'regress_loc_{{cert.L}}', '{{cert.CN}}_home']) IS NOT NULL AS added;
SELECT attrs, pg_temp.pv('regress_dave', attrs => attrs::jsonb) AS roles
FROM unnest(ARRAY['{"OU": ["eng", "ops"], "O": "acme"}',
                  '{"OU": ["ops", "eng", "ops"], "O": ["acme"]}',
                  '{"OU": "eng"}',
                  '{}']) AS attrs;
-- Several attributes in one entry expand to every combination.
SELECT autouser.add_rule('regress_erin', ARRAY['regress_{{cert.O}}_{{cert.OU}}']) IS NOT NULL AS added;
SELECT pg_temp.pv('regress_erin', attrs => '{"O": "acme", "OU": ["ops", "eng"]}');
SELECT pg_temp.pv('regress_erin', attrs => '{"OU": ["ops", "eng"]}');
-- An expansion that names a missing role or no valid role name is refused.
SELECT pg_temp.pv('regress_dave', attrs => '{"OU": ["eng", "sales"]}');
SELECT pg_temp.pv('regress_dave', attrs => jsonb_build_object('OU', repeat('x', 60)));
SELECT pg_temp.pv('regress_dave', attrs => jsonb_build_object('OU', E'e\nng'));
-- Only matching rules are expanded: regress_dave's rule (whose L template
-- would name a missing role here) does not match regress_erin.
SELECT pg_temp.pv('regress_erin', attrs => '{"O": "acme", "OU": "eng", "L": "x"}');
DELETE FROM autouser.rules WHERE identity LIKE 'regress\_%';

-- A role dropped after add_rule is reported missing.
SELECT autouser.add_rule('regress_frank', ARRAY['regress_reader', 'regress_temp']) IS NOT NULL AS added;
SELECT pg_temp.pv('regress_frank');
DROP ROLE regress_temp;
SELECT pg_temp.pv('regress_frank');
DELETE FROM autouser.rules WHERE identity LIKE 'regress\_%';

-- Rules written past add_rule's checks are still refused at preview.
INSERT INTO autouser.rules (identity, roles) VALUES ('regress_gina', '{regress_reader,regress_admins}');
SELECT pg_temp.pv('regress_gina');
INSERT INTO autouser.rules (identity, roles) VALUES ('regress_gina2', '{auto_user}');
SELECT pg_temp.pv('regress_gina2');
INSERT INTO autouser.rules (identity, roles) VALUES ('regress_gina3', '{pg_write_server_files}');
SELECT pg_temp.pv('regress_gina3');
-- A row no rule can be made of is skipped (and logged); the others still apply.
INSERT INTO autouser.rules (identity, roles) VALUES ('regress_gina4', ARRAY['regress_{{cert.OU}']);
INSERT INTO autouser.rules (identity, roles) VALUES ('', '{regress_writer}');
INSERT INTO autouser.rules (identity, database, roles) VALUES ('regress_gina4', '', '{regress_writer}');
SELECT pg_temp.pv('regress_gina4', attrs => '{"OU": "x"}');
INSERT INTO autouser.rules (identity, roles) VALUES ('regress_gina4', '{regress_reader}');
SELECT pg_temp.pv('regress_gina4', attrs => '{"OU": "x"}');
DELETE FROM autouser.rules WHERE identity LIKE 'regress\_%' OR identity = '';

-- Existing roles: unmanaged ones are refused when a rule matches and left
-- alone otherwise; managed ones get the set, or are refused without a rule.
CREATE ROLE regress_helen LOGIN;
CREATE ROLE regress_ivan NOLOGIN;
GRANT auto_user TO regress_ivan;
GRANT regress_writer TO regress_ivan;
SELECT pg_temp.pv('regress_helen'), pg_temp.pv('regress_ivan');
SELECT autouser.add_rule('regress_helen', ARRAY['regress_reader']) IS NOT NULL AS added;
SELECT autouser.add_rule('regress_ivan', ARRAY['regress_reader']) IS NOT NULL AS added;
SELECT pg_temp.pv('regress_helen'), pg_temp.pv('regress_ivan');
-- Preview changes nothing.
SELECT r.rolname, r.rolcanlogin,
       array(SELECT m.roleid::regrole::text FROM pg_auth_members m
             WHERE m.member = r.oid ORDER BY 1) AS member_of
FROM pg_roles r WHERE r.rolname IN ('regress_helen', 'regress_ivan') ORDER BY 1;
-- A managed role may not be granted to another login.
SELECT autouser.add_rule('regress_jack', ARRAY['regress_reader']) IS NOT NULL AS added;
INSERT INTO autouser.rules (identity, roles) VALUES ('regress_jack', '{regress_ivan}');
SELECT pg_temp.pv('regress_jack');
-- Nor to itself.
INSERT INTO autouser.rules (identity, roles) VALUES ('regress_ivan', '{regress_ivan}');
SELECT pg_temp.pv('regress_ivan');
DELETE FROM autouser.rules WHERE identity LIKE 'regress\_%';
DROP ROLE regress_helen, regress_ivan;

-- Identities no role can have are refused before any rule is read.
SELECT autouser.add_rule('*', ARRAY['regress_reader'], 'contrib_regression', 'regress_ou') AS wide \gset
SELECT label, pg_temp.pv(identity, attrs => '{"OU": "regress_ou"}') AS result
FROM (VALUES ('empty', ''),
             ('64 bytes', repeat('a', 64)),
             ('63 bytes', repeat('a', 63)),
             ('reserved prefix', 'pg_x'),
             ('control character', E'a\tb'),
             ('plain', 'regress_kate')) AS t(label, identity);
SELECT pg_temp.pv(NULL), pg_temp.pv('regress_kate', NULL);
-- Certificate attributes are bounded like a real subject's.
SELECT pg_temp.pv('regress_kate', attrs => jsonb_build_object('OU', repeat('x', 5000)));
-- A null attribute name or value stands for none (a null name once crashed
-- the server); names and values of different lengths are refused.
SELECT autouser._preview('regress_kate', 'postgres', ARRAY[NULL]::text[], ARRAY['a']);
SELECT autouser._preview('regress_kate', 'postgres', ARRAY['OU']::text[], ARRAY[NULL]);
DO $$
BEGIN
    PERFORM autouser._preview('regress_kate', 'postgres', ARRAY['OU', 'O'], ARRAY['a']);
EXCEPTION WHEN invalid_parameter_value THEN
    RAISE NOTICE 'refused: %', SQLERRM;
END $$;
SELECT autouser.drop_rule(:wide) AS dropped;

-- Disabled rules are ignored.
SELECT autouser.add_rule('regress_lena', ARRAY['regress_reader']) IS NOT NULL AS added;
SELECT autouser.add_rule('regress_lena', ARRAY['regress_writer']) IS NOT NULL AS added;
UPDATE autouser.rules SET enabled = false
WHERE identity = 'regress_lena' AND roles = '{regress_writer}';
SELECT pg_temp.pv('regress_lena');
UPDATE autouser.rules SET enabled = false WHERE identity = 'regress_lena';
SELECT pg_temp.pv('regress_lena');
UPDATE autouser.rules SET enabled = true WHERE identity = 'regress_lena';
SELECT pg_temp.pv('regress_lena');
-- Preview sees this transaction's uncommitted rules.
BEGIN;
SELECT autouser.add_rule('regress_lena', ARRAY['regress_auditor']) IS NOT NULL AS added;
SELECT pg_temp.pv('regress_lena');
ROLLBACK;
SELECT pg_temp.pv('regress_lena');
DELETE FROM autouser.rules WHERE identity LIKE 'regress\_%';

SELECT count(*) AS rules_left FROM autouser.rules WHERE identity LIKE 'regress\_%';
DROP ROLE regress_reader, regress_writer, regress_auditor, regress_team_eng, regress_team_ops,
    regress_org_acme, regress_acme_eng, regress_acme_ops, regress_dave_home, regress_admins;
