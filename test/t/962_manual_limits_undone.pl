# 962_manual_limits_undone.pl -- red team (issue 14): a restriction a
# superuser puts on one managed role by hand (CONNECTION LIMIT 0 to lock it
# out, NOINHERIT) is undone at that role's next certificate login, and the
# login is admitted.  With no rule giving options, the options a role should
# hold are CREATE ROLE's defaults (role_options.c
# autouser_role_options_given/_apply): the worker runs ALTER ROLE ...
# CONNECTION LIMIT -1 INHERIT before the backend checks the limit.  1.0 kept
# such changes, so the 1.0 -> 1.1 update silently lifts them too.  Settings
# are reset only when pg_autouser gave them; attributes should be treated
# alike.  Expected: the lock-out holds, and NOINHERIT stays.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('rt_manual', conf => "pg_autouser.cleanup = off\n");
sub sq { return $node->safe_psql('postgres', $_[0]); }
sq(q{
	CREATE ROLE reader NOLOGIN;
	CREATE EXTENSION pg_autouser VERSION '1.0';
	SELECT autouser.add_rule('*', ARRAY['reader']);
});
AutouserTest::wait_for_workers($node, 2);
my $alice = AutouserTest::cert_connstr($node, AutouserTest::client_cert(cn => 'alice'), 'alice');
my $bob = AutouserTest::cert_connstr($node, AutouserTest::client_cert(cn => 'bob'), 'bob');
$node->connect_ok($alice, 'alice is provisioned by 1.0');
$node->connect_ok($bob, 'bob is provisioned by 1.0');
sq('ALTER ROLE alice CONNECTION LIMIT 0');
sq('ALTER ROLE bob NOINHERIT');
$node->connect_fails($alice, '1.0: CONNECTION LIMIT 0 locks alice out',
	expected_stderr => qr/too many connections for role "alice"/);

sq('ALTER EXTENSION pg_autouser UPDATE');
AutouserTest::wait_for_workers($node, 2);
$node->connect_fails($alice, '1.1: alice is still locked out',
	expected_stderr => qr/too many connections for role "alice"/);
is(sq(q{SELECT rolconnlimit FROM pg_roles WHERE rolname = 'alice'}), '0',
	'her connection limit is still 0');
$node->connect_ok($bob, 'bob logs in');
is(sq(q{SELECT rolinherit FROM pg_roles WHERE rolname = 'bob'}), 'f', 'and is still NOINHERIT');

# The same without an update: a lock-out put on a 1.1 managed role.
my $carol = AutouserTest::cert_connstr($node, AutouserTest::client_cert(cn => 'carol'), 'carol');
$node->connect_ok($carol, 'carol is provisioned by 1.1');
sq('ALTER ROLE carol CONNECTION LIMIT 0');
$node->connect_fails($carol, 'CONNECTION LIMIT 0 locks carol out',
	expected_stderr => qr/too many connections for role "carol"/);

$node->stop;
done_testing();
