# 971_upgrade_default_privileges.pl -- red team 4 (issue 14): the 1.0 -> 1.1
# update hands a working add_rule to every role in the extension owner's
# default privileges.  A monitoring set-up on 1.0 is "GRANT EXECUTE ON ALL
# FUNCTIONS IN SCHEMA autouser TO monitor" plus "ALTER DEFAULT PRIVILEGES FOR
# ROLE postgres GRANT EXECUTE ON FUNCTIONS TO monitor", so that future
# functions are covered too (default privileges IN SCHEMA autouser are
# refused by _check_install; these, for every schema, are not).  In 1.0 that
# EXECUTE on add_rule was inert (it inserted as its caller).  pg_autouser--1.0--1.1.sql creates a new add_rule (a new
# argument), which PostgreSQL creates with the schema's default ACL: monitor
# gets EXECUTE on the owner-rights add_rule directly, past the DO block that
# copies only the grants of grantees holding INSERT; the closing REVOKE ...
# FROM PUBLIC does not touch it.  monitor can then add a rule that grants any
# grantable role to every certificate.  Expected: after the update monitor
# still cannot add a rule.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('rt4_defacl', conf => "pg_autouser.cleanup = off\n");
sub sq { return $node->safe_psql('postgres', $_[0]); }
sub as_monitor { my $r = AutouserTest::psql_as($node, 'monitor', $_[0]); return $r =~ /^ok:/ ? $r : $r =~ /^([0-9A-Z]{5}) / ? $1 : $r; }
sq(q{
	CREATE ROLE reader NOLOGIN;
	CREATE ROLE payroll NOLOGIN;
	CREATE EXTENSION pg_autouser VERSION '1.0';
	SELECT autouser.add_rule('*', ARRAY['reader'], comment => 'the only rule');
	CREATE ROLE monitor LOGIN;
	GRANT USAGE ON SCHEMA autouser TO monitor;
	GRANT SELECT ON ALL TABLES IN SCHEMA autouser TO monitor;
	GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA autouser TO monitor;
	ALTER DEFAULT PRIVILEGES FOR ROLE postgres GRANT EXECUTE ON FUNCTIONS TO monitor;
});
AutouserTest::wait_for_workers($node, 2);

is(as_monitor(q{SELECT autouser.add_rule('m', ARRAY['payroll'])}), '42501',
	'1.0: monitor cannot add a rule');

sq('ALTER EXTENSION pg_autouser UPDATE');
is(sq("SELECT extversion FROM pg_extension WHERE extname = 'pg_autouser'"), '1.1', 'updated');

is(as_monitor(q{SELECT autouser.add_rule('*', ARRAY['payroll'])}), '42501',
	'1.1: the update did not let monitor add rules');
is(sq(q{SELECT string_agg(identity || ':' || array_to_string(roles, '+'), ',' ORDER BY id) FROM autouser.rules}),
	'*:reader', 'the rules are as before');

# A fresh install under the same default privileges: the objects are the
# owner's alone too.
sq('DROP EXTENSION pg_autouser; CREATE EXTENSION pg_autouser; GRANT USAGE ON SCHEMA autouser TO monitor');
is(as_monitor(q{SELECT autouser.add_rule('*', ARRAY['payroll'])}), '42501',
	'fresh 1.1: the owner\'s default privileges do not let monitor add rules');
is(sq(q{SELECT count(*) FROM pg_proc p, aclexplode(p.proacl) a
	WHERE p.pronamespace = 'autouser'::regnamespace AND a.grantee <> p.proowner}), '0',
	'no function of the extension is granted to anyone but its owner');

$node->stop;
done_testing();
