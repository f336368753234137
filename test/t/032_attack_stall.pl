# 032_attack_stall.pl -- bounded and isolated jobs (SPEC 7): a role locked
# by someone else's open transaction delays that role's jobs only, never
# another identity's, and no worker statement waits past
# pg_autouser.lock_timeout.  Reproduces finding 4 of the security review
# (cleanup = drop, a plain user's temp table granted to the role in an open
# transaction: the drop is not waited for, the role is deactivated
# instead) and finding 9 (a provisioning the login gave up on leaves the
# role LOGIN), and the operations review's finding 3 (an open deactivate()
# stalls every worker) with 30 other identities logging in.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('stall', conf => join("\n",
	"pg_autouser.workers = 2", "pg_autouser.lock_timeout = '500ms'",
	"pg_autouser.sweep_interval = 3600", "max_connections = 60", ''));
$node->safe_psql('postgres', q{
	CREATE ROLE reader NOLOGIN;
	CREATE ROLE lowpriv LOGIN;
	CREATE EXTENSION pg_autouser;
	SELECT autouser.add_rule('*', ARRAY['reader']);
});
AutouserTest::wait_for_workers($node, 2);

sub cs { return AutouserTest::cert_connstr($node, @_); }
sub cert { return AutouserTest::client_cert(@_); }
sub sq { return $node->safe_psql('postgres', $_[0]); }
sub set_conf { AutouserTest::set_conf($node, @_); }

# --- finding 4: cleanup = drop, blocked by a plain user's grant -------------
set_conf('pg_autouser.cleanup', 'drop');
my $dave = cert(cn => 'dave');
my $s = AutouserTest::open_session(cs($dave, 'dave'));
my $low = AutouserTest::open_session($node->connstr('postgres') . ' user=lowpriv');
$low->query_safe('BEGIN; CREATE TEMP TABLE t (x int); GRANT SELECT ON t TO dave;');
$s->quit;
ok($node->poll_query_until('postgres', "SELECT NOT rolcanlogin FROM pg_roles WHERE rolname = 'dave'"),
	"dave's DROP ROLE is not waited for: dave is deactivated at once");
like(sq("SELECT detail FROM autouser.events WHERE role = 'dave' AND action = 'deactivate'"),
	qr/could not drop, deactivated instead: another transaction holds role "dave" locked/,
	'the event says why');
my @others = AutouserTest::start_logins($node, map { cs(cert(cn => "bystander$_"), "bystander$_") } 1 .. 6);
is(join('', map { $_->{ok} } AutouserTest::finish_logins(@others)), '111111',
	"other identities are provisioned while dave's cleanup is blocked");
$node->connect_ok(cs($dave, 'dave'), "dave's own next login is not blocked either");
$low->query_safe('ROLLBACK');
$low->quit;
ok($node->poll_query_until('postgres', "SELECT count(*) = 0 FROM pg_roles WHERE rolname = 'dave'"),
	'once the transaction is gone, dave is dropped');
set_conf('pg_autouser.cleanup', 'deactivate');

# --- operations finding 3: an open deactivate() and 30 other identities ------
$node->connect_ok(cs(cert(cn => 'u081'), 'u081'), 'u081 is provisioned');
$node->poll_query_until('postgres', "SELECT NOT rolcanlogin FROM pg_roles WHERE rolname = 'u081'");
my $locker = AutouserTest::open_session($node->connstr('postgres'));
$locker->query_safe("BEGIN; SELECT autouser.deactivate('u081')");
set_conf('pg_autouser.provision_timeout', '8s');
my @u081 = AutouserTest::start_logins($node, cs(cert(cn => 'u081', ou => ['a']), 'u081'),
	cs(cert(cn => 'u081', ou => ['b']), 'u081'));
ok($node->poll_query_until('postgres', "SELECT value = 2 FROM autouser.stats WHERE name = 'queue_waiting'"),
	"u081's two logins wait for its lock");
my @crowd = AutouserTest::start_logins($node, map { cs(cert(cn => "crowd$_"), "crowd$_") } 1 .. 30);
my @done = AutouserTest::finish_logins(@crowd);
is(scalar(grep { $_->{ok} } @done), 30, 'all 30 other identities get in while u081 is locked')
  or diag(join("\n", map { $_->{err} } grep { !$_->{ok} } @done));
my @blocked = AutouserTest::finish_logins(@u081);
is(join('', map { $_->{ok} } @blocked), '00', "u081's own logins fail after provision_timeout");
like($blocked[0]->{err}, qr/cannot provision role "u081" now.*Another transaction holds role "u081" locked/s,
	'saying the role is locked');
$locker->query_safe('COMMIT');
$locker->quit;
$node->connect_ok(cs(cert(cn => 'u081'), 'u081'), 'u081 logs in once the lock is gone');

# --- finding 9: a provisioning the login gave up on ---------------------------
# A slow trigger, not a lock: a job that finds a lock goes back to the queue
# and is dropped with the login; one that is merely slow commits after it.
set_conf('pg_autouser.provision_timeout', '1s');
sq(q{CREATE FUNCTION public.slow_event() RETURNS trigger LANGUAGE plpgsql
	AS $$ BEGIN PERFORM pg_catalog.pg_sleep(2); RETURN NEW; END $$;
	CREATE TRIGGER slow_event BEFORE INSERT ON autouser.events
	FOR EACH ROW WHEN (NEW.role = 'quitter') EXECUTE FUNCTION public.slow_event()});
$node->connect_fails(cs(cert(cn => 'quitter'), 'quitter'), 'the login gives up after provision_timeout',
	expected_stderr => qr/cannot provision role "quitter" now/);
ok($node->poll_query_until('postgres', "SELECT count(*) > 0 FROM pg_roles WHERE rolname = 'quitter'"),
	'the worker finished the provisioning afterwards');
ok($node->poll_query_until('postgres', "SELECT NOT rolcanlogin FROM pg_roles WHERE rolname = 'quitter'"),
	'and the role was cleaned at once, not left LOGIN until a sweep');
sq('DROP TRIGGER slow_event ON autouser.events');
is($node->safe_psql('postgres', "SELECT detail FROM autouser.events WHERE role = 'quitter' AND action = 'deactivate'"),
	'provisioned for logins that gave up', 'the event says why');

$node->stop;
done_testing();
