# 970_upgrade_grantor_chain.pl -- red team 4 (issue 14): the 1.0 -> 1.1
# update still widens EXECUTE grants that another role made.  The update's
# DO block (sql/pg_autouser--1.0--1.1.sql) finds every grantee of drop_rule
# that lacks DELETE on autouser.rules and runs "REVOKE
# EXECUTE ... FROM grantee" as the superuser running the update.  A
# superuser's REVOKE acts as the function's owner and removes only the
# grants the owner made: a grant made by a delegate that holds EXECUTE WITH
# GRANT OPTION (and DELETE, so its own grant is rightly kept) stays.  In 1.0
# that grantee's EXECUTE did nothing (drop_rule deleted as its caller); after
# the update drop_rule deletes as the extension owner, so the grantee can
# drop any rule.  The closing "REVOKE ALL ON ALL FUNCTIONS ... FROM PUBLIC"
# has the same blind spot: the delegate's grant to PUBLIC survives, against
# SPEC 4 "Nothing is executable or writable by PUBLIC".  Expected: after the
# update the helper still cannot drop a rule, and PUBLIC executes nothing.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('rt4_grantor', conf => "pg_autouser.cleanup = off\n");
sub sq { return $node->safe_psql('postgres', $_[0]); }
sub as_role { my $r = AutouserTest::psql_as($node, @_); return $r =~ /^ok:/ ? $r : $r =~ /^([0-9A-Z]{5}) / ? $1 : $r; }
sq(q{
	CREATE ROLE reader NOLOGIN;
	CREATE EXTENSION pg_autouser VERSION '1.0';
	SELECT autouser.add_rule('*', ARRAY['reader'], comment => 'the only rule');
	CREATE ROLE delegate LOGIN;
	CREATE ROLE helper LOGIN;
	GRANT USAGE ON SCHEMA autouser TO delegate, helper;
	GRANT SELECT, DELETE ON autouser.rules TO delegate;
	GRANT EXECUTE ON FUNCTION autouser.drop_rule(bigint) TO delegate WITH GRANT OPTION;
});
# The delegate passes EXECUTE on to a helper, which has no right on the
# table: in 1.0 that gives the helper nothing.
is(as_role('delegate', q{
	GRANT EXECUTE ON FUNCTION autouser.drop_rule(bigint) TO helper;
	GRANT EXECUTE ON FUNCTION autouser.drop_rule(bigint) TO PUBLIC;
}), 'ok:', 'the delegate grants EXECUTE on drop_rule to a helper, and to PUBLIC');
AutouserTest::wait_for_workers($node, 2);

is(as_role('helper', q{SELECT autouser.drop_rule(1)}), '42501', '1.0: the helper cannot drop a rule');

sq('ALTER EXTENSION pg_autouser UPDATE');
is(sq("SELECT extversion FROM pg_extension WHERE extname = 'pg_autouser'"), '1.1', 'updated');

is(as_role('helper', q{SELECT autouser.drop_rule(1)}), '42501',
	'1.1: the update did not let the helper drop a rule');
is(sq(q{SELECT string_agg(p.oid::regprocedure::text, ',') FROM pg_proc p, aclexplode(p.proacl) a
	WHERE p.pronamespace = 'autouser'::regnamespace AND a.grantee = 0}), '',
	'1.1: no function of the schema is executable by PUBLIC');
is(sq(q{SELECT string_agg(identity || ':' || coalesce(comment, ''), ',' ORDER BY id) FROM autouser.rules}),
	'*:the only rule', 'the rules are as before');
is(as_role('delegate', q{SELECT has_function_privilege('autouser.drop_rule(bigint)', 'EXECUTE')}),
	'ok:t', 'the delegate, which held DELETE, keeps drop_rule');

$node->stop;
done_testing();
