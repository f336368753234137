# 004_lifecycle.pl -- what happens after a session (SPEC 7) with real
# certificate logins: deactivate after the last session, reactivation, the
# grace period, drop (and its fallback), off, sweeps after a crash,
# autouser.deactivate(), events and the users view, settings on reload,
# workers restarting after being killed, and pg_dump of the rules.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('lifecycle', conf => "restart_after_crash = on\n");
$node->safe_psql('postgres', q{
	CREATE ROLE reader NOLOGIN;
	CREATE ROLE bob LOGIN;
	CREATE EXTENSION pg_autouser;
	SELECT autouser.add_rule('*', ARRAY['reader']);
	SELECT autouser.add_rule('*', ARRAY['team_{{cert.OU}}'], comment => 'teams');
	CREATE ROLE team_eng NOLOGIN;
});
AutouserTest::wait_for_workers($node, 2);

sub cs { return AutouserTest::cert_connstr($node, @_); }
sub members { return AutouserTest::memberships($node, @_); }
sub sq { return $node->safe_psql('postgres', $_[0]); }
sub can_login { return sq("SELECT rolcanlogin FROM pg_roles WHERE rolname = '$_[0]'"); }
sub wait_inactive
{
	my ($role) = @_;
	return $node->poll_query_until('postgres',
		"SELECT NOT rolcanlogin FROM pg_roles WHERE rolname = '$role'");
}
sub set_conf { AutouserTest::set_conf($node, @_); }

my $alice = cert(cn => 'alice', ou => ['eng']);
sub cert { return AutouserTest::client_cert(@_); }

# --- deactivate after the last session -------------------------------------
my $s1 = AutouserTest::open_session(cs($alice, 'alice'));
is(sq("SELECT role, state, sessions, roles FROM autouser.users WHERE role = 'alice'"),
	'alice|active|1|{reader,team_eng}', 'users view: alice active with one session');
my $s2 = AutouserTest::open_session(cs($alice, 'alice'));
is(sq("SELECT sessions FROM autouser.users WHERE role = 'alice'"), '2', 'two sessions counted');
$s1->quit;
$node->poll_query_until('postgres', "SELECT sessions = 1 FROM autouser.users WHERE role = 'alice'");
is(sq("SELECT autouser.sweep()"), '0', 'a sweep leaves alice alone while a session remains');
is(can_login('alice') . ' ' . members('alice'), 't auto_user,reader,team_eng',
	'one session left: still active with its roles');
$s2->quit;
ok(wait_inactive('alice'), 'after the last session alice becomes NOLOGIN');
is(members('alice'), 'auto_user', 'and holds only the group role');
$node->poll_query_until('postgres', "SELECT last_logout IS NOT NULL FROM autouser.users WHERE role = 'alice'");
is(sq("SELECT state, sessions, roles, created_at IS NOT NULL, last_login IS NOT NULL, last_logout >= last_login"
	  . " FROM autouser.users WHERE role = 'alice'"),
	'inactive|0|{}|t|t|t', 'users view: inactive, timestamps set');
is(sq("SELECT string_agg(action || ':' || coalesce(array_to_string(roles, ','), ''), ' ' ORDER BY id)"
	  . " FROM autouser.events WHERE role = 'alice'"),
	'create:reader,team_eng deactivate:reader,team_eng', 'events: create then deactivate');

# --- the next login reactivates -----------------------------------------------
$node->connect_ok(cs($alice, 'alice'), 'alice logs in again',
	sql => "SELECT string_agg(b.rolname, ',' ORDER BY b.rolname) FROM pg_auth_members m"
	  . " JOIN pg_roles b ON b.oid = m.roleid WHERE m.member = 'alice'::regrole",
	expected_stdout => qr/^auto_user,reader,team_eng$/);
ok(wait_inactive('alice'), 'and is deactivated again after it');
is(sq("SELECT count(*) FROM autouser.events WHERE role = 'alice' AND action = 'reactivate'"), '1',
	'a reactivate event was recorded');

# --- refusals are recorded too --------------------------------------------------
$node->connect_fails(cs(cert(cn => 'bob'), 'bob'), 'unmanaged bob is refused',
	expected_stderr => qr/exists and is not managed/);
ok($node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM autouser.events WHERE identity = 'bob' AND action = 'reject'"),
	'the refusal decided in the login hook reaches autouser.events');

# --- a session held open while others come and go -----------------------------
my $held = AutouserTest::open_session(cs($alice, 'alice'));
for my $i (1 .. 5)
{
	$node->connect_ok(cs($alice, 'alice'), "visitor $i comes and goes");
}
is(sq("SELECT autouser.sweep()"), '0', 'sweep finds nothing to clean while one session is held');
is(can_login('alice') . ' ' . members('alice'), 't auto_user,reader,team_eng',
	'the held session keeps alice active with its roles');
$held->quit;
ok(wait_inactive('alice'), 'after the held session ends alice is deactivated');

# --- cleanup_delay: a grace period, honoured by sweeps too ----------------------
set_conf('pg_autouser.cleanup_delay', '1h');
$node->connect_ok(cs($alice, 'alice'), 'alice logs in with a grace period set');
$node->poll_query_until('postgres', "SELECT sessions = 0 FROM autouser.users WHERE role = 'alice'");
is(sq("SELECT autouser.sweep()"), '0', 'sweep does not cut the grace period short');
is(can_login('alice'), 't', 'alice stays active during the grace period');
set_conf('pg_autouser.cleanup_delay', '0');
ok(wait_inactive('alice'), 'once the delay is lowered on reload, alice is deactivated');

# --- cleanup = off -----------------------------------------------------------------
set_conf('pg_autouser.cleanup', 'off');
$node->connect_ok(cs($alice, 'alice'), 'alice logs in with cleanup off');
$node->poll_query_until('postgres', "SELECT sessions = 0 FROM autouser.users WHERE role = 'alice'");
is(sq("SELECT autouser.sweep()"), '0', 'sweep cleans nothing with cleanup off');
is(can_login('alice'), 't', 'alice stays active');

# --- autouser.deactivate() ----------------------------------------------------------
my $held2 = AutouserTest::open_session(cs($alice, 'alice'));
my ($ret, $out, $err) = $node->psql('postgres', "SELECT autouser.deactivate('alice')");
like($err, qr/role "alice" has 1 active session/, 'deactivate refuses a role with a session');
is(sq("SELECT autouser.deactivate('alice', terminate => true)"), 't',
	'deactivate with terminate ends the session and deactivates');
is(can_login('alice') . ' ' . members('alice'), 'f auto_user', 'alice is inactive');
eval { $held2->quit; };
($ret, $out, $err) = $node->psql('postgres', "SELECT autouser.deactivate('bob')");
like($err, qr/role "bob" is not managed by pg_autouser/, 'deactivate refuses an unmanaged role');

# --- cleanup = drop, and its fallback -------------------------------------------------
set_conf('pg_autouser.cleanup', 'drop');
my $dan = cert(cn => 'dan');
$node->connect_ok(cs($dan, 'dan'), 'dan logs in with cleanup drop');
ok($node->poll_query_until('postgres', "SELECT count(*) = 0 FROM pg_roles WHERE rolname = 'dan'"),
	'dan is dropped after his session');
is(sq("SELECT count(*) FROM autouser.events WHERE role = 'dan' AND action = 'drop'"), '1', 'a drop event');
$node->safe_psql('postgres', 'GRANT CREATE ON SCHEMA public TO reader');
$node->connect_ok(cs($dan, 'dan'), 'dan logs in and creates a table',
	sql => 'CREATE TABLE public.dans_table (x int)');
ok(wait_inactive('dan'), 'dan owns a table: deactivated instead of dropped');
like(sq("SELECT detail FROM autouser.events WHERE role = 'dan' ORDER BY id DESC LIMIT 1"),
	qr/could not drop, deactivated instead/, 'the event says why');
set_conf('pg_autouser.cleanup', 'deactivate');

# --- workers restart after being killed ----------------------------------------------
my $cleaner = sq("SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_autouser cleanup'");
kill 'TERM', $cleaner, AutouserTest::worker_pids($node);
$node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'pg_autouser cleanup' AND pid <> $cleaner");
AutouserTest::wait_for_workers($node, 2);
$node->connect_ok(cs($alice, 'alice'), 'after the workers were killed alice still logs in');
ok(wait_inactive('alice'), 'and the restarted cleanup worker deactivates her');

# --- sweep at start after an immediate shutdown -----------------------------------------
my $held3 = AutouserTest::open_session(cs($alice, 'alice'));
is(can_login('alice'), 't', 'alice active before the crash');
$node->stop('immediate');
eval { $held3->quit; };
$node->start;
ok(wait_inactive('alice'), 'the sweep at server start deactivates alice');
ok($node->poll_query_until('postgres', "SELECT count(*) > 0 FROM autouser.events WHERE action = 'sweep'"),
	'a sweep event was recorded');

# --- events are purged after pg_autouser.event_retention ---------------------------------
sq("INSERT INTO autouser.events (at, action, detail) VALUES (now() - interval '2 days', 'sweep', 'old')");
set_conf('pg_autouser.event_retention', '1d');
sq("SELECT autouser.sweep()");
is(sq("SELECT count(*) FROM autouser.events WHERE detail = 'old'"), '0', 'old events are purged');

# --- pg_dump carries the rules ---------------------------------------------------------
my $dump = $node->basedir . '/rules.sql';
$node->command_ok([ 'pg_dump', '-d', $node->connstr('postgres'), '-f', $dump ], 'pg_dump runs');
my $copy = AutouserTest::start_node('restored');
$copy->safe_psql('postgres', 'CREATE ROLE reader NOLOGIN; CREATE ROLE team_eng NOLOGIN;');
$copy->command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=0', '-d', $copy->connstr('postgres'), '-f', $dump ],
	'the dump restores into a fresh cluster');
my $rules_sql = 'SELECT id, identity, database, cert_ou, roles, enabled, comment FROM autouser.rules ORDER BY id';
is($copy->safe_psql('postgres', $rules_sql), sq($rules_sql), 'the restored rules are the same');
$copy->stop;

$node->stop;
done_testing();
