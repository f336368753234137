# 982_enable_skips_option_check.pl -- red team 5: 3ed17a5 lets an UPDATE
# that leaves options, identity, database and cert_ou alone past the
# rules_check_options trigger (rule_options.c same_logins_and_options) so
# that a rule can be switched OFF whoever wrote its options.  "enabled" is
# not among the compared columns, so the same skip lets a rule be switched
# back ON: a role with UPDATE on autouser.rules but not superuser turns on a
# disabled rule whose search_path only a superuser may give (read_setting:
# OPTION_SEARCH_PATH_AUTHOR), which it could neither insert nor write.
# Switching a rule on makes it apply to logins it applied to no more.
# Expected: switching a rule on is judged like writing it (22023).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('rt5_enable', conf => "pg_autouser.cleanup = off\n");
sub sq { return $node->safe_psql('postgres', $_[0]); }
sub as_role { my $r = AutouserTest::psql_as($node, @_); return $r =~ /^ok:/ ? $r : $r =~ /^([0-9A-Z]{5}) / ? $1 : $r; }
sq(q{
	CREATE ROLE reader NOLOGIN;
	CREATE EXTENSION pg_autouser;
	CREATE SCHEMA app;
	SELECT autouser.add_rule('victim', ARRAY['reader'],
		options => '{"settings": {"search_path": "app"}}');
	UPDATE autouser.rules SET enabled = false;
	CREATE ROLE operator LOGIN;
	GRANT USAGE ON SCHEMA autouser TO operator;
	GRANT SELECT, UPDATE ON autouser.rules TO operator;
});
AutouserTest::wait_for_workers($node, 2);

is(as_role('operator', q{UPDATE autouser.rules SET options = options}), 'ok:',
	'the operator may rewrite the row unchanged (nothing moves)');
is(as_role('operator', q{INSERT INTO autouser.rules (identity, roles, options)
	VALUES ('victim', ARRAY['reader'], '{"settings": {"search_path": "app"}}')}), '42501',
	'the operator cannot insert a rule (no INSERT: it may only switch rules on and off)');
is(as_role('operator', q{UPDATE autouser.rules SET enabled = true}), '22023',
	'the operator cannot switch on a rule whose search_path only a superuser may give');
is(sq(q{SELECT enabled FROM autouser.rules}), 'f', 'the rule stays off');

$node->stop;
done_testing();
