# 050_upgrade.pl -- upgrades as contrib does them (SPEC 11): install 1.0,
# add rules and provision, ALTER EXTENSION pg_autouser UPDATE; the rules,
# the events and the managed roles survive, and the schema is exactly a
# fresh install's (pg_dump --binary-upgrade shows an extension's members).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('upgrade', conf => "pg_autouser.cleanup = off\n");
$node->safe_psql('postgres', q{
	CREATE ROLE reader NOLOGIN;
	CREATE EXTENSION pg_autouser VERSION '1.0';
	SELECT autouser.add_rule('*', ARRAY['reader'], comment => 'from 1.0');
	SELECT autouser.add_rule('ops*', ARRAY['reader'], 'postgres', 'ops');
	CREATE ROLE helpdesk NOLOGIN;
	GRANT EXECUTE ON FUNCTION autouser.add_rule(text, text[], text, text, text) TO helpdesk;
	-- 1.0's add_rule inserted as its caller: a delegate needed these too.
	GRANT USAGE ON SCHEMA autouser TO helpdesk;
	GRANT INSERT ON autouser.rules TO helpdesk;
	GRANT USAGE ON SEQUENCE autouser.rules_id_seq TO helpdesk;
});
AutouserTest::wait_for_workers($node, 2);
sub sq { return $node->safe_psql('postgres', $_[0]); }
is(sq("SELECT extversion FROM pg_extension WHERE extname = 'pg_autouser'"), '1.0', 'version 1.0 is installed');

$node->connect_ok(AutouserTest::cert_connstr($node, AutouserTest::client_cert(cn => 'alice'), 'alice'),
	'1.0 provisions alice');
# 1.0 knew managed roles only by membership in the group role.
sq(q{CREATE ROLE legacy NOLOGIN IN ROLE auto_user, reader});
my $rules = sq('SELECT string_agg(identity || database || coalesce(cert_ou, \'-\') || roles::text || coalesce(comment, \'\'), \',\' ORDER BY id) FROM autouser.rules');
my $events = sq('SELECT string_agg(action || coalesce(role, \'\'), \',\' ORDER BY id) FROM autouser.events');

sq('ALTER EXTENSION pg_autouser UPDATE');
is(sq("SELECT extversion FROM pg_extension WHERE extname = 'pg_autouser'"), '1.1', 'updated to 1.1');
is(sq('SELECT string_agg(identity || database || coalesce(cert_ou, \'-\') || roles::text || coalesce(comment, \'\'), \',\' ORDER BY id) FROM autouser.rules'),
	$rules, 'the rules survive the update');
is(sq('SELECT string_agg(action || coalesce(role, \'\'), \',\' ORDER BY id) FROM autouser.events'),
	$events, 'the events survive it');
is(sq("SELECT string_agg(role, ',' ORDER BY role) FROM autouser.users"), 'alice,legacy',
	'roles 1.0 managed are recorded as managed');
is(sq("SELECT bool_and(options = '{}') FROM autouser.rules"), 't', 'the rules have no options');
is(sq("SELECT has_function_privilege('helpdesk', 'autouser.add_rule(text, text[], text, text, text, jsonb)', 'EXECUTE')"),
	't', 'who could run add_rule may run the one that takes options');
sq("SELECT autouser.add_rule('bob', ARRAY['reader'], options => '{\"connection_limit\": 2}')");
$node->connect_ok(AutouserTest::cert_connstr($node, AutouserTest::client_cert(cn => 'bob'), 'bob'),
	'1.1 provisions after the update');
is(sq("SELECT rolconnlimit FROM pg_roles WHERE rolname = 'bob'"), '2', 'with the options of its rules');
sq('REVOKE EXECUTE ON FUNCTION autouser.add_rule(text, text[], text, text, text, jsonb) FROM helpdesk');

# The schema equals a fresh install's: every member object of the
# extension, described by the catalogs' own deparsers, and its privileges.
my $describe = q{
	SELECT string_agg(d, E'\n' ORDER BY d) FROM (
		SELECT pg_describe_object(classid, objid, objsubid) || ': ' || CASE classid
			WHEN 'pg_proc'::regclass THEN pg_get_functiondef(objid) || coalesce(
				(SELECT proacl::text FROM pg_proc WHERE oid = objid), '')
			WHEN 'pg_class'::regclass THEN coalesce((
				SELECT relkind::text || ' ' || coalesce(relacl::text, '') || ' ' ||
				       coalesce(pg_get_viewdef(c.oid), '') || ' ' || coalesce((
					SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod) || ' ' ||
					                  attnotnull || ' ' || coalesce(pg_get_expr(adbin, adrelid), ''),
					                  ', ' ORDER BY attnum)
					FROM pg_attribute LEFT JOIN pg_attrdef ON adrelid = attrelid AND adnum = attnum
					WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped), '') || ' ' ||
				       coalesce((SELECT string_agg(pg_get_constraintdef(k.oid), ', ' ORDER BY conname)
				                 FROM pg_constraint k WHERE conrelid = c.oid), '') || ' ' ||
				       coalesce((SELECT string_agg(pg_get_indexdef(indexrelid), ', ' ORDER BY indexrelid::regclass::text)
				                 FROM pg_index WHERE indrelid = c.oid), '') || ' ' ||
				       coalesce((SELECT string_agg(pg_get_triggerdef(t.oid) || ' ' || tgenabled::text, ', ' ORDER BY tgname)
				                 FROM pg_trigger t WHERE tgrelid = c.oid AND NOT tgisinternal), '')
				FROM pg_class c WHERE c.oid = objid), '')
			ELSE '' END AS d
		FROM pg_depend
		WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
		  AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_autouser')
		UNION ALL
		SELECT 'extension config: ' || array_to_string(ARRAY(
			SELECT c::regclass::text FROM unnest(extconfig) c ORDER BY 1), ',')
		FROM pg_extension WHERE extname = 'pg_autouser'
	) s
};
# helpdesk's 1.0 grants on the table are not the extension's.
sq('REVOKE INSERT ON autouser.rules FROM helpdesk; REVOKE USAGE ON SEQUENCE autouser.rules_id_seq FROM helpdesk');
my $upgraded = sq($describe);
sq('DROP EXTENSION pg_autouser');
sq('CREATE EXTENSION pg_autouser');
my $fresh = sq($describe);
is($upgraded, $fresh, 'the updated schema is exactly a fresh 1.1 install');
ok(scalar(() = $fresh =~ /^function /mg) >= 10 && $fresh =~ /^table autouser.rules/m,
	'and the comparison saw every function and table');

$node->stop;
done_testing();
