# 005_cleanup_race.pl -- logins racing cleanup (SPEC 7: "a login the
# extension admitted is never broken by a cleanup racing with it"): one
# identity connects and disconnects in a tight loop from 4 clients with
# cleanup_delay 0, then again while one session is held open.  pgbench -C
# opens a new certificate login for every transaction and counts failures.
# Also reports the disconnect-to-NOLOGIN times the cleanup events recorded.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('race', conf => "max_connections = 40\n");
$node->safe_psql('postgres', q{
	CREATE ROLE reader NOLOGIN;
	CREATE EXTENSION pg_autouser;
	SELECT autouser.add_rule('*', ARRAY['reader']);
});
AutouserTest::wait_for_workers($node, 2);

my $cert = AutouserTest::client_cert(cn => 'racer');
my ($sslcert) = $cert =~ /sslcert=(\S+)/;
my ($sslkey) = $cert =~ /sslkey=(\S+)/;
my $script = $node->basedir . '/select1.sql';
PostgreSQL::Test::Utils::append_to_file($script, "SELECT 1;\n");

# 4 clients x $per connect/SELECT 1/disconnect cycles; returns pgbench's output.
sub storm
{
	my ($per) = @_;
	local $ENV{PGSSLMODE} = 'verify-full';
	local $ENV{PGSSLCERT} = $sslcert;
	local $ENV{PGSSLKEY} = $sslkey;
	local $ENV{PGSSLROOTCERT} = "$AutouserTest::certdir/ca.crt";
	my ($stdout, $stderr);
	my $ok = IPC::Run::run(
		[ 'pgbench', '-n', '-C', '-c', '4', '-j', '4', '-t', $per, '-f', $script,
		  '-h', '127.0.0.1', '-p', $node->port, '-U', 'racer', 'postgres' ],
		'>', \$stdout, '2>', \$stderr);
	return ($ok, $stdout, $stderr);
}

sub wait_inactive
{
	return $node->poll_query_until('postgres',
		"SELECT NOT rolcanlogin FROM pg_roles WHERE rolname = 'racer'");
}

# --- 4 clients, 240 logins of one identity, cleanup racing every one ------------
my ($ok, $out, $err) = storm(60);
ok($ok, 'pgbench finished without an aborted client') or diag($err);
like($out, qr/number of transactions actually processed: 240\/240/, 'all 240 logins succeeded');
unlike($out . $err, qr/number of failed transactions: [1-9]/, 'no failed transaction');
ok(wait_inactive(), 'after the last disconnect the role is deactivated');
is(AutouserTest::memberships($node, 'racer'), 'auto_user', 'and holds only the group role');
my $cycles = $node->safe_psql('postgres',
	"SELECT count(*) FROM autouser.events WHERE role = 'racer' AND action = 'deactivate'");
cmp_ok($cycles, '>=', 1, "cleanup ran during the storm ($cycles deactivations)");

# --- the same with one session held open the whole time --------------------------
my $held = AutouserTest::open_session(AutouserTest::cert_connstr($node, $cert, 'racer'));
($ok, $out, $err) = storm(50);
ok($ok, 'held session: pgbench finished without an aborted client') or diag($err);
like($out, qr/number of transactions actually processed: 200\/200/, 'held session: all 200 logins succeeded');
is($node->safe_psql('postgres', "SELECT rolcanlogin FROM pg_roles WHERE rolname = 'racer'"), 't',
	'while the session is held the role stays active');
is(AutouserTest::memberships($node, 'racer'), 'auto_user,reader', 'and keeps its roles');
is($held->query_safe('SELECT count(*) FROM pg_class WHERE false'), '0', 'the held session still works');
$held->quit;
ok(wait_inactive(), 'after the held session ends the role is deactivated');

# --- disconnect-to-NOLOGIN latency as recorded by the cleanup (not asserted) -------
my $latency = $node->safe_psql('postgres', q{
	SELECT count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), max(ms)
	FROM (SELECT substring(detail FROM '(\d+) ms after')::int AS ms
	      FROM autouser.events WHERE role = 'racer' AND action = 'deactivate') t});
my ($n, $median, $worst) = split /\|/, $latency;
diag("disconnect to NOLOGIN over $n cleanups: median $median ms, worst $worst ms");
if (my $report = $ENV{AUTOUSER_LATENCY_REPORT})
{
	PostgreSQL::Test::Utils::append_to_file($report, "cleanups=$n median_ms=$median worst_ms=$worst\n");
}

$node->stop;
done_testing();
