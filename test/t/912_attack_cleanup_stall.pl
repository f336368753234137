# 912_attack_cleanup_stall.pl -- bounded and isolated cleanups (SPEC 7)
# with pg_autouser.cleanup = drop.  Reproduces finding 912 of the
# adversarial review: a plain SQL user, with no grant from pg_autouser,
# opens a transaction that GRANTs on its own table to managed roles (their
# names are public) and leaves it open, or prepares it.  Every DROP ROLE
# then waited lock_timeout in the one cleanup worker, one after another and
# again every second: other identities' cleanups took 5.7-26 s instead of
# ~30 ms, and the victims stayed LOGIN with their roles for as long as the
# transaction lasted.  Now a DROP that another transaction blocks is not
# waited for: the role is deactivated at once (the event says why), dropped
# once the transaction is gone, and other identities are cleaned promptly.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('cleanup_stall', conf => join("\n",
	'pg_autouser.cleanup = drop', 'pg_autouser.sweep_interval = 3600',
	'max_prepared_transactions = 4', 'max_connections = 60', ''));
$node->safe_psql('postgres', q{
	CREATE ROLE reader NOLOGIN;
	CREATE ROLE lowpriv LOGIN;
	CREATE SCHEMA lp AUTHORIZATION lowpriv;
	CREATE EXTENSION pg_autouser;
	SELECT autouser.add_rule('*', ARRAY['reader']);
});
AutouserTest::wait_for_workers($node, 2);

sub cs { return AutouserTest::cert_connstr($node, @_); }
sub sq { return $node->safe_psql('postgres', $_[0]); }

# ms from a new identity's session end to its drop, as the server measured.
sub cleanup_ms { return AutouserTest::cleanup_ms($node, AutouserTest::client_cert(cn => $_[0]), $_[0]); }

my @base = map { cleanup_ms("base$_") } 1 .. 3;
diag("cleanup of other identities without the attack: @base ms");

# Twelve victims: eight in lowpriv's open transaction, four in a prepared one.
my @victims = map { "victim$_" } 1 .. 12;
my @held = map {
	my $s = AutouserTest::open_session(cs(AutouserTest::client_cert(cn => $_), $_));
	$s->query_safe('SELECT 1');
	$s
} @victims;
my $lowconn = $node->connstr('postgres') . ' user=lowpriv';
my ($ret, $out, $err) = $node->psql('postgres', 'BEGIN; CREATE TABLE lp.prepared (x int); '
	  . join('', map { "GRANT SELECT ON lp.prepared TO $_; " } @victims[8 .. 11])
	  . "PREPARE TRANSACTION 'lowpriv_grants';", connstr => $lowconn);
is($ret, 0, 'a plain user prepares a transaction that granted to four managed roles') or diag($err);
my $low = AutouserTest::open_session($lowconn);
$low->query_safe('BEGIN; CREATE TABLE lp.open (x int); '
	  . join('', map { "GRANT SELECT ON lp.open TO $_; " } @victims[0 .. 7]));
$_->quit for @held;

my $victims_in = join(', ', map { "'$_'" } @victims);
ok($node->poll_query_until('postgres',
	"SELECT count(*) = 0 FROM pg_roles WHERE rolname IN ($victims_in) AND rolcanlogin"),
	'no victim is left LOGIN after its last session');
is(join(' ', map { AutouserTest::memberships($node, $_) } @victims),
	join(' ', ('auto_user') x 12), 'and none keeps a role the rules gave it');
is(sq("SELECT count(*) FROM autouser.events WHERE role IN ($victims_in) AND action = 'deactivate'"
	  . " AND detail ~ 'could not drop, deactivated instead: another transaction holds role'"),
	'12', 'each was deactivated instead of dropped, and the event says why');

my @during = map { cleanup_ms("bystander$_") } 1 .. 10;
my @sorted = sort { $a <=> $b } @during;
diag("cleanup of other identities while 12 drops are blocked: @during ms");
cmp_ok($sorted[-1], '<=', 2000,
	'SPEC 7: other identities are cleaned within 2 s while 12 drops are blocked (was 5.7-26 s)');

$low->query_safe('ROLLBACK');
$low->quit;
sq("ROLLBACK PREPARED 'lowpriv_grants'");
ok($node->poll_query_until('postgres',
	"SELECT count(*) = 0 FROM pg_roles WHERE rolname IN ($victims_in)"),
	'once the transactions are gone, the victims are dropped');
is(sq("SELECT count(*) FROM autouser.events WHERE role IN ($victims_in) AND action = 'drop'"),
	'12', 'with an event each');

$node->stop;
done_testing();
