# 041_operations.pl -- safe to operate (SPEC 3, 5, 7 "Operations"):
# superusers and the admin role are never acted on; a change of
# pg_autouser.group_role touches no role pg_autouser did not record and
# leaves none LOGIN; waiting logins leave the superuser-reserved slots
# free; DROP EXTENSION and DROP DATABASE end access instead of freezing
# it; workers that cannot connect back off quietly; a reload of
# sweep_interval counts from the reload.  Reproduces the operations
# review's findings 1, 2, 4, 5, 6 and 8.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

sub cert { return AutouserTest::client_cert(@_); }

my $node = AutouserTest::start_node('ops', conf => "pg_autouser.sweep_interval = 3600\n");
my $su = $node->safe_psql('postgres', 'SELECT current_user');
$node->safe_psql('postgres', q{
	CREATE ROLE reader NOLOGIN;
	CREATE ROLE dba LOGIN SUPERUSER;
	CREATE EXTENSION pg_autouser;
	SELECT autouser.add_rule('*', ARRAY['reader']);
});
AutouserTest::wait_for_workers($node, 2);
sub cs { return AutouserTest::cert_connstr($node, @_); }
sub sq { return $node->safe_psql('postgres', $_[0]); }
sub members { return AutouserTest::memberships($node, @_); }
sub set_conf { AutouserTest::set_conf($node, @_); }

# --- finding 1: superusers are never acted on ------------------------------------
sq(qq{GRANT auto_user TO "$su"; GRANT auto_user, reader TO dba;});
sq(q{SECURITY LABEL FOR pg_autouser ON ROLE dba IS 'managed'});
is(sq('SELECT autouser.sweep()'), '0', 'finding 1: a sweep cleans no superuser');
is(sq("SELECT string_agg(rolname || ':' || rolcanlogin, ' ' ORDER BY rolname) FROM pg_roles WHERE rolname IN ('dba', '$su')"),
	"dba:true $su:true", 'both superusers keep LOGIN');
is(members('dba'), 'auto_user,reader', 'and their memberships');
$node->connect_ok(cs(cert(cn => 'dba'), 'dba'), "a superuser's certificate login matching '*' is plain PostgreSQL",
	sql => 'SELECT current_user', expected_stdout => qr/^dba$/);
$node->connect_ok(cs(cert(cn => $su), $su), 'so is the bootstrap superuser\'s');
is(members('dba'), 'auto_user,reader', 'and changes nothing');
my ($ret, $out, $err) = $node->psql('postgres', "SELECT autouser.deactivate('dba')");
like($err, qr/role "dba" is not managed by pg_autouser/, 'deactivate() refuses a superuser');
sq(qq{REVOKE auto_user FROM "$su"; REVOKE auto_user FROM dba; SECURITY LABEL FOR pg_autouser ON ROLE dba IS NULL});

# --- finding 2: pg_autouser.group_role changed at runtime --------------------------
sq(q{
	CREATE ROLE staff NOLOGIN;
	CREATE ROLE sam LOGIN IN ROLE staff, reader;
});
my $alice = cert(cn => 'alice');
my $session = AutouserTest::open_session(cs($alice, 'alice'));
set_conf('pg_autouser.group_role', 'staff');
is(sq('SELECT autouser.sweep()'), '0', 'finding 2: with group_role = staff, a sweep cleans none of its members');
is(sq("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'sam'") . ' ' . members('sam'), 't reader,staff',
	'sam, never recorded, keeps LOGIN and his roles');
$node->connect_ok($node->connstr('postgres') . ' user=sam', "sam's own logins are untouched");
$session->quit;
ok($node->poll_query_until('postgres', "SELECT NOT rolcanlogin FROM pg_roles WHERE rolname = 'alice'"),
	'alice, recorded under the old group, is still deactivated after her last session');
is(members('alice'), '', 'holding nothing');
$session = AutouserTest::open_session(cs($alice, 'alice'));
is(members('alice'), 'reader,staff', 'her next login moves her into the current group, with her rules\' roles');
$session->quit;
set_conf('pg_autouser.group_role', 'auto_user');
$node->poll_query_until('postgres', "SELECT NOT rolcanlogin FROM pg_roles WHERE rolname = 'alice'");

# --- finding 8: a reload of sweep_interval counts from the reload ----------------
sq(q{CREATE ROLE idle1 LOGIN IN ROLE auto_user, reader; SECURITY LABEL FOR pg_autouser ON ROLE idle1 IS 'managed'});
set_conf('pg_autouser.sweep_interval', '2s');
ok($node->poll_query_until('postgres', "SELECT NOT rolcanlogin FROM pg_roles WHERE rolname = 'idle1'"),
	'finding 8: after sweep_interval went from 1 hour to 2 s, the next sweep comes within seconds');
set_conf('pg_autouser.sweep_interval', '1h');

# --- finding 5: DROP EXTENSION -------------------------------------------------------
my $bob = cert(cn => 'bob');
my $carol = cert(cn => 'carol');
my $s_bob = AutouserTest::open_session(cs($bob, 'bob'));
my $s_carol = AutouserTest::open_session(cs($carol, 'carol'));
sq('CREATE ROLE plainrole LOGIN');
sq('DROP EXTENSION pg_autouser');
$node->connect_fails(cs($bob, 'bob'), 'finding 5: after DROP EXTENSION a managed role is refused, not admitted',
	expected_stderr => qr/cannot provision role "bob" now.*HINT:  Run CREATE EXTENSION pg_autouser/s);
$node->connect_ok(cs(cert(cn => 'plainrole'), 'plainrole'), 'an unmanaged role logs in as in plain PostgreSQL');
$s_bob->quit;
$s_carol->quit;
ok($node->poll_query_until('postgres',
	"SELECT count(*) = 2 FROM pg_roles WHERE rolname IN ('bob', 'carol') AND NOT rolcanlogin"),
	'both managed users are deactivated after their last session, without the extension');
is(members('bob') . ' ' . members('carol'), 'auto_user auto_user', 'holding only the group role');
sq(q{CREATE EXTENSION pg_autouser; SELECT autouser.add_rule('*', ARRAY['reader'])});
$node->connect_ok(cs($bob, 'bob'), 'with the extension back, bob is reactivated');
$node->stop;

# --- finding 5: DROP DATABASE of pg_autouser.database ------------------------------
my $app = AutouserTest::start_node('opsdb', conf => "pg_autouser.database = 'app'\n");
$app->safe_psql('postgres', 'CREATE DATABASE app');
$app->safe_psql('app', q{
	CREATE ROLE reader NOLOGIN;
	CREATE EXTENSION pg_autouser;
	SELECT autouser.add_rule('*', ARRAY['reader']);
});
AutouserTest::wait_for_workers($app, 2);
sub acs { return AutouserTest::cert_connstr($app, $_[0], $_[1], 'postgres'); }
my $dave = cert(cn => 'dave');
my $erin = cert(cn => 'erin');
my $s_dave = AutouserTest::open_session(acs($dave, 'dave'));
my $s_erin = AutouserTest::open_session(acs($erin, 'erin'));
$app->safe_psql('postgres', 'DROP DATABASE app WITH (FORCE)');
$app->connect_fails(acs($erin, 'erin'),
	'after DROP DATABASE an active managed role is not admitted on rules that are gone',
	expected_stderr => qr/cannot provision role "erin" now.*cannot connect to database "app"/s);
$s_dave->quit;
ok($app->poll_query_until('postgres', "SELECT NOT rolcanlogin FROM pg_roles WHERE rolname = 'dave'"),
	'dave is deactivated after his last session, with the database gone');
is(AutouserTest::memberships($app, 'dave'), 'auto_user', 'holding only the group role');
$s_erin->quit;

# --- finding 6: workers that cannot connect back off quietly ---------------------
my $log_offset = -s $app->logfile;
my $t0 = time;
sleep 1 while time - $t0 < 20;		## no condition to poll: the test counts what 20 s of waiting logged
my $log = substr(PostgreSQL::Test::Utils::slurp_file($app->logfile), $log_offset);
my $lines = () = $log =~ /database "app" does not exist/g;
ok($lines <= 2, "finding 6: 20 s without the database logged $lines failed connects, at most one a minute");
my $restarts = () = $log =~ /background worker "pg_autouser worker" \(PID \d+\) exited/g;
ok($restarts <= 10, "and the workers backed off instead of restarting every second ($restarts exits)");
$app->safe_psql('postgres', 'CREATE DATABASE app');
ok($app->poll_query_until('postgres',
	"SELECT count(*) = 2 FROM pg_stat_activity WHERE backend_type = 'pg_autouser worker' AND datname = 'app'"),
	'once the database is back, the workers connect (within the 30 s back-off)');
$app->stop;

# --- finding 4: the superuser-reserved connection slots ---------------------------
my $res = AutouserTest::start_node('reserved',
	conf => "max_connections = 12\nsuperuser_reserved_connections = 3\npg_autouser.provision_timeout = '30s'\n");
$res->safe_psql('postgres', q{
	CREATE ROLE reader NOLOGIN;
	CREATE EXTENSION pg_autouser;
	SELECT autouser.add_rule('*', ARRAY['reader']);
});
AutouserTest::wait_for_workers($res, 2);
my @workers = AutouserTest::worker_pids($res);
kill 'STOP', @workers;
my @waiting = AutouserTest::start_logins($res,
	map { AutouserTest::cert_connstr($res, cert(cn => "w$_"), "w$_") } 1 .. 9);
# Watched in the log, not over a connection: a poll would take a slot itself.
ok(AutouserTest::wait_for_log_count($res, qr/connection authenticated: identity="CN=w\d"/, 9),
	'finding 4: nine logins hold connection slots while the workers are stopped');
# Three more, as many as there are reserved slots: had they waited there,
# the superuser would find no slot at all.
my @more = AutouserTest::start_logins($res,
	map { AutouserTest::cert_connstr($res, cert(cn => "w$_"), "w$_") } 10 .. 12);
ok(AutouserTest::wait_for_log_count($res, qr/connection authenticated: identity="CN=w1[0-2]"/, 3),
	'three more logins arrive, one per reserved slot');
$res->connect_ok($res->connstr('postgres'), 'the superuser still gets in');
my @refused = AutouserTest::finish_logins(@more);
is(scalar(grep { !$_->{ok} && $_->{err} =~ /remaining connection slots are reserved for superusers/ } @refused), 3,
	'the logins that would wait in reserved slots are refused at once (53300)')
  or diag explain \@refused;
kill 'CONT', @workers;
is(scalar(grep { $_->{ok} } AutouserTest::finish_logins(@waiting)), 9, 'the waiting logins are provisioned');
$res->stop;

done_testing();
