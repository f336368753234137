# 961_upgrade_widens_execute.pl -- red team (issue 14): ALTER EXTENSION
# pg_autouser UPDATE (1.0 -> 1.1) widens what existing grants allow.  In 1.0
# add_rule and drop_rule are SECURITY INVOKER SQL/plpgsql: EXECUTE alone did
# nothing without INSERT/DELETE on autouser.rules.  pg_autouser--1.0--1.1.sql
# turns drop_rule into a C function that deletes as the extension owner
# (CREATE OR REPLACE keeps its ACL) and copies every EXECUTE grant of the old
# add_rule to the new owner-rights add_rule.  A role given EXECUTE on the
# schema's functions for read-only use (a common "GRANT EXECUTE ON ALL
# FUNCTIONS" + "GRANT SELECT ON ALL TABLES" monitoring set-up) can, after the
# update, add and drop rules -- with search_path options too (see 960).
# Expected: the update keeps what each grantee could do.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('rt_upgrade', conf => "pg_autouser.cleanup = off\n");
sub sq { return $node->safe_psql('postgres', $_[0]); }
sub as_monitor { my $r = AutouserTest::psql_as($node, 'monitor', $_[0]); return $r =~ /^ok:/ ? 'ok' : $r =~ /^([0-9A-Z]{5}) / ? $1 : $r; }
sq(q{
	CREATE ROLE reader NOLOGIN;
	CREATE EXTENSION pg_autouser VERSION '1.0';
	SELECT autouser.add_rule('*', ARRAY['reader'], comment => 'the only rule');
	CREATE ROLE monitor LOGIN;
	GRANT USAGE ON SCHEMA autouser TO monitor;
	GRANT SELECT ON ALL TABLES IN SCHEMA autouser TO monitor;
	GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA autouser TO monitor;
});
AutouserTest::wait_for_workers($node, 2);

is(as_monitor(q{SELECT autouser.add_rule('m', ARRAY['reader'])}), '42501',
	'1.0: monitor cannot add a rule');
is(as_monitor(q{SELECT autouser.drop_rule(1)}), '42501', '1.0: nor drop one');

sq('ALTER EXTENSION pg_autouser UPDATE');
is(sq("SELECT extversion FROM pg_extension WHERE extname = 'pg_autouser'"), '1.1', 'updated');

is(as_monitor(q{SELECT autouser.add_rule('m', ARRAY['reader'])}), '42501',
	'1.1: the update did not let monitor add rules');
is(as_monitor(q{SELECT autouser.drop_rule(1)}), '42501', '1.1: nor drop them');
is(sq(q{SELECT string_agg(identity || ':' || coalesce(comment, ''), ',' ORDER BY id) FROM autouser.rules}),
	'*:the only rule', 'the rules are as before');

$node->stop;
done_testing();
