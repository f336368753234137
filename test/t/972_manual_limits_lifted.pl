# 972_manual_limits_lifted.pl -- red team 4 (issue 14): a CONNECTION LIMIT or
# NOINHERIT a superuser sets by hand on a managed role is still lifted, by
# two routes around the settings label's "@" keys (role_options.c).
#
# 1. Overwritten, then forgotten.  bob has CONNECTION LIMIT 5 by hand.  A
#    rule gives connection_limit 2: autouser_role_options_target takes the
#    rule's 2 (more restrictive) and records it as pg_autouser's
#    ("@connection_limit": "2"); the 5 is gone from pg_authid and recorded
#    nowhere.  When the rule is dropped, the 2 is cleared back to -1: bob has
#    no limit at all, where the administrator had put 5.
# 2. A stale "@inherit".  A rule gives carol inherit false (NOINHERIT,
#    "@inherit" recorded).  The administrator sets INHERIT by hand, and the
#    rule goes; at carol's next login nothing differs, so the label is not
#    rewritten and keeps "@inherit".  Months later the administrator locks
#    carol down with NOINHERIT by hand: label_read sees "@inherit" and the
#    role NOINHERIT and calls it pg_autouser's (inherit_ours = !inherit), and
#    her next login undoes it -- the very thing 962 fixed.
# Expected: a limit or NOINHERIT set by hand is never lifted by pg_autouser.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('rt4_limits',
	conf => "pg_autouser.cleanup = off\npg_autouser.admin_role = 'provisioner'\n");
sub sq { return $node->safe_psql('postgres', $_[0]); }
sub attrs
{
	my ($role) = @_;
	return sq(qq{SELECT rolconnlimit || '|' || rolinherit FROM pg_roles WHERE rolname = '$role'});
}
sq(q{
	CREATE ROLE provisioner NOLOGIN CREATEROLE;
	CREATE ROLE reader NOLOGIN;
	CREATE EXTENSION pg_autouser;
	SELECT autouser.add_rule('*', ARRAY['reader']);
});
AutouserTest::wait_for_workers($node, 2);
AutouserTest::grant_admin_option($node, 'provisioner', 'reader');
my $bob = AutouserTest::cert_connstr($node, AutouserTest::client_cert(cn => 'bob'), 'bob');
my $carol = AutouserTest::cert_connstr($node, AutouserTest::client_cert(cn => 'carol'), 'carol');

# 1. A hand-set limit, overwritten by a rule's tighter one, then dropped.
$node->connect_ok($bob, 'bob is provisioned');
sq('ALTER ROLE bob CONNECTION LIMIT 5');
my $rule = sq(q{SELECT autouser.add_rule('bob', ARRAY['reader'], options => '{"connection_limit": 2}')});
$node->connect_ok($bob, 'bob logs in under the rule');
is(attrs('bob'), '2|true', 'the rule\'s tighter limit applies');
sq("SELECT autouser.drop_rule($rule)");
$node->connect_ok($bob, 'bob logs in after the rule is dropped');
is(attrs('bob'), '5|true', 'the limit the administrator set by hand is back, not lifted');

# 2. A stale "@inherit" claims a later NOINHERIT set by hand.
$rule = sq(q{SELECT autouser.add_rule('carol', ARRAY['reader'], options => '{"inherit": false}')});
$node->connect_ok($carol, 'carol is provisioned, NOINHERIT by the rule');
is(attrs('carol'), '-1|false', 'NOINHERIT');
sq('ALTER ROLE carol INHERIT');
sq("SELECT autouser.drop_rule($rule)");
$node->connect_ok($carol, 'carol logs in, INHERIT by hand and no rule');
is(attrs('carol'), '-1|true', 'INHERIT');
sq('ALTER ROLE carol NOINHERIT');
$node->connect_ok($carol, 'carol logs in after the administrator set NOINHERIT by hand');
is(attrs('carol'), '-1|false', 'and is still NOINHERIT');

$node->stop;
done_testing();
