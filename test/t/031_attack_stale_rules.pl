# 031_attack_stale_rules.pl -- rules are never stale (SPEC 5 step 8): a
# login's set comes from rules at least as new as the last committed change
# of autouser.rules, COMMIT PREPARED included, whatever the workers were
# doing.  Reproduces finding 3 of the security review as written (one
# worker; a DELETE committed through PREPARE TRANSACTION + COMMIT PREPARED;
# a rule dropped while the worker would wait on a role lock), with variants:
# a prepared insert, a rollback, a restart between PREPARE and COMMIT.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('stale',
	conf => "pg_autouser.workers = 1\nmax_prepared_transactions = 5\npg_autouser.cleanup = off\n");
$node->safe_psql('postgres', q{
	CREATE ROLE reader NOLOGIN;
	CREATE ROLE writer NOLOGIN;
	CREATE EXTENSION pg_autouser;
	SELECT autouser.add_rule('*', ARRAY['reader']);
});
AutouserTest::wait_for_workers($node, 1);

sub cs { return AutouserTest::cert_connstr($node, @_); }
sub cert { return AutouserTest::client_cert(@_); }
sub members { return AutouserTest::memberships($node, @_); }
sub sq { return $node->safe_psql('postgres', $_[0]); }

$node->connect_ok(cs(cert(cn => 'first'), 'first'), 'the rule provisions a first identity');

# --- finding 3, as reported: DELETE through PREPARE + COMMIT PREPARED --------
sq("BEGIN; DELETE FROM autouser.rules; PREPARE TRANSACTION 'drop_all'");
$node->connect_ok(cs(cert(cn => 'during'), 'during'),
	'while the DELETE is only prepared, the rule still applies');
sq("COMMIT PREPARED 'drop_all'");
for my $i (1 .. 3)
{
	$node->connect_fails(cs(cert(cn => "after$i"), "after$i"),
		"after COMMIT PREPARED a new identity gets nothing ($i)",
		expected_stderr => qr/role "after$i" does not exist/);
	is(members("after$i"), 'MISSING', "no role was created for after$i");
}

# A prepared insert counts from its COMMIT PREPARED, not before.
sq("BEGIN; SELECT autouser.add_rule('p*', ARRAY['writer']); PREPARE TRANSACTION 'add_p'");
$node->connect_fails(cs(cert(cn => 'p1'), 'p1'), 'a prepared rule does not apply yet',
	expected_stderr => qr/role "p1" does not exist/);
sq("COMMIT PREPARED 'add_p'");
$node->connect_ok(cs(cert(cn => 'p2'), 'p2'), 'it applies right after COMMIT PREPARED');
is(members('p2'), 'auto_user,writer', 'with its roles');

# ROLLBACK PREPARED leaves the rules as they were.
sq("BEGIN; DELETE FROM autouser.rules; PREPARE TRANSACTION 'undo'");
sq("ROLLBACK PREPARED 'undo'");
$node->connect_ok(cs(cert(cn => 'p3'), 'p3'), 'after ROLLBACK PREPARED the rule still applies');

# The server restarts between PREPARE and COMMIT PREPARED: shared memory is
# new, the prepared transaction is not.
sq("BEGIN; DELETE FROM autouser.rules; PREPARE TRANSACTION 'across_restart'");
$node->restart;
AutouserTest::wait_for_workers($node, 1);
$node->connect_ok(cs(cert(cn => 'p4'), 'p4'), 'after the restart the prepared DELETE is not yet in effect');
sq("COMMIT PREPARED 'across_restart'");
$node->connect_fails(cs(cert(cn => 'p5'), 'p5'), 'COMMIT PREPARED after a restart takes effect at once',
	expected_stderr => qr/role "p5" does not exist/);

# --- finding 3, second form: the rule dropped while a role lock is held ------
sq("SELECT autouser.add_rule('*', ARRAY['reader'])");
$node->connect_ok(cs(cert(cn => 'alice'), 'alice'), 'alice is provisioned');
is(sq("SELECT autouser.deactivate('alice')"), 't', 'and deactivated');
# deactivate() with nothing to do still takes alice's lock, to its commit.
my $locker = AutouserTest::open_session($node->connstr('postgres'));
$locker->query_safe("BEGIN; SELECT autouser.deactivate('alice')");
my @alice = AutouserTest::start_logins($node, cs(cert(cn => 'alice'), 'alice'));
ok($node->poll_query_until('postgres', "SELECT value = 1 FROM autouser.stats WHERE name = 'queue_waiting'"),
	"alice's login waits for her role's lock");
$node->connect_ok(cs(cert(cn => 'bystander'), 'bystander'),
	"another identity is provisioned while alice's role is locked (no stall)");
sq("DELETE FROM autouser.rules");
my @late;
for my $i (1 .. 5)
{
	$node->connect_fails(cs(cert(cn => "late$i"), "late$i"),
		"the rule dropped meanwhile grants nothing ($i)",
		expected_stderr => qr/role "late$i" does not exist/);
	push @late, members("late$i");
}
is(join(' ', @late), join(' ', ('MISSING') x 5), 'no late identity got a role');
$locker->query_safe('COMMIT');
$locker->quit;
my ($r) = AutouserTest::finish_logins(@alice);
is($r->{ok}, 0, 'alice, decided after the lock was free, is refused');
like($r->{err}, qr/no pg_autouser rule admits role "alice"/, 'by the current rules');
is(members('alice'), 'auto_user', 'and nothing was granted to her meanwhile');

$node->stop;
done_testing();
