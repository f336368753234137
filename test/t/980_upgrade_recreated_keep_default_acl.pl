# 980_upgrade_recreated_keep_default_acl.pl -- red team 5: the 1.0 -> 1.1
# update still hands drop_rule (and preview) to the roles in the extension
# owner's default privileges, and keeps 1.0's grants on _preview, which now
# reads the rules with the owner's rights.  pg_autouser--1.0--1.1.sql drops
# drop_rule and preview and creates them anew BEFORE it records the objects
# "1.0 had" (pg_autouser_update.kept); the new functions got the owner's
# default ACL (ALTER DEFAULT PRIVILEGES FOR ROLE postgres GRANT EXECUTE ON
# FUNCTIONS TO monitor) and, being in "kept", are skipped by the closing DO
# block that strips default privileges.  In 1.0 monitor's EXECUTE on
# drop_rule did nothing without DELETE on autouser.rules; after the update
# drop_rule deletes as the extension owner: monitor drops any rule.  _preview
# (1.0's, kept with its ACL) reads the rules as the owner in 1.1 too: monitor,
# without SELECT on autouser.rules, reads whom each identity is given.
# Expected: after the update monitor can neither drop a rule nor preview.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('rt5_defacl', conf => "pg_autouser.cleanup = off\n");
sub sq { return $node->safe_psql('postgres', $_[0]); }
sub as_monitor { my $r = AutouserTest::psql_as($node, 'monitor', $_[0]); return $r =~ /^ok:/ ? $r : $r =~ /^([0-9A-Z]{5}) / ? $1 : $r; }
sq(q{
	CREATE ROLE reader NOLOGIN;
	CREATE ROLE payroll NOLOGIN;
	CREATE EXTENSION pg_autouser VERSION '1.0';
	SELECT autouser.add_rule('*', ARRAY['reader'], comment => 'the only rule');
	SELECT autouser.add_rule('ceo', ARRAY['payroll'], comment => 'secret');
	CREATE ROLE monitor LOGIN;
	GRANT USAGE ON SCHEMA autouser TO monitor;
	GRANT SELECT ON autouser.events, autouser.users TO monitor;
	GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA autouser TO monitor;
	ALTER DEFAULT PRIVILEGES FOR ROLE postgres GRANT EXECUTE ON FUNCTIONS TO monitor;
});
AutouserTest::wait_for_workers($node, 2);

is(as_monitor(q{SELECT autouser.drop_rule(1)}), '42501', '1.0: monitor cannot drop a rule');

sq('ALTER EXTENSION pg_autouser UPDATE');
is(sq("SELECT extversion FROM pg_extension WHERE extname = 'pg_autouser'"), '1.1', 'updated');

is(as_monitor(q{SELECT autouser.drop_rule(1)}), '42501',
	'1.1: the update did not let monitor drop a rule');
is(as_monitor(q{SELECT autouser._preview('ceo', 'postgres', '{}', '{}')}), '42501',
	'1.1: the update did not let monitor read the rules through _preview');
is(as_monitor(q{SELECT autouser.preview('ceo')}), '42501',
	'1.1: the update did not let monitor read the rules through preview');
is(sq(q{SELECT string_agg(identity || ':' || array_to_string(roles, '+'), ',' ORDER BY id) FROM autouser.rules}),
	'*:reader,ceo:payroll', 'the rules are as before');
is(sq(q{SELECT coalesce(string_agg(p.oid::regprocedure::text, ',' ORDER BY 1), '') FROM pg_proc p, aclexplode(p.proacl) a
	WHERE p.pronamespace = 'autouser'::regnamespace AND a.grantee = 'monitor'::regrole
	  AND p.proname IN ('drop_rule', 'add_rule', 'preview', '_preview', 'preview_options')}), '',
	'1.1: monitor holds EXECUTE on no function that acts on the rules with the owner\'s rights');

$node->stop;
done_testing();
