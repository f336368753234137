# 035_attack_event_flood.pl -- the audit trail neither floods nor drops
# (SPEC 7): refusals are written at most once per identity per minute, the
# next row counting the repeats; under fast-path load with the cleanup
# worker stalled, no create/reject event is lost and nothing overflows.
# Reproduces finding 10 of the security review (200 refusals of one
# certificate wrote 207 rows) and the operations review's finding 7 (a
# 256-entry ring dropping rejections under 100 logins/s).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use IPC::Run;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('flood', conf => "max_connections = 60\n");
$node->safe_psql('postgres', q{
	CREATE ROLE reader NOLOGIN;
	CREATE ROLE bob LOGIN;
	CREATE EXTENSION pg_autouser;
	SELECT autouser.add_rule('*', ARRAY['reader']);
});
AutouserTest::wait_for_workers($node, 2);

sub cs { return AutouserTest::cert_connstr($node, @_); }
sub sq { return $node->safe_psql('postgres', $_[0]); }

# $n logins of one certificate, 20 at a time; returns how many failed.
sub logins
{
	my ($connstr, $n) = @_;
	my $failed = 0;
	while ($n > 0)
	{
		my $batch = $n < 20 ? $n : 20;
		$failed += grep { !$_->{ok} }
		  AutouserTest::finish_logins(AutouserTest::start_logins($node, ($connstr) x $batch));
		$n -= $batch;
	}
	return $failed;
}

# --- finding 10: 200 refusals of one certificate ------------------------------
my $bob = AutouserTest::client_cert(cn => 'bob');
is(logins(cs($bob, 'bob'), 200), 200, '200 logins of the unmanaged bob are refused');
$node->poll_query_until('postgres',
	"SELECT count(*) > 0 FROM autouser.events WHERE identity = 'bob' AND action = 'reject'");
my $rows = sq("SELECT count(*) FROM autouser.events WHERE identity = 'bob'");
ok($rows <= 2, "finding 10: they wrote at most two rows, not 200 ($rows)");
ok($node->poll_query_until('postgres',
	"SELECT count(*) > 0 FROM autouser.events WHERE identity = 'bob' AND detail ~ 'more in the last minute'"),
	'the minute closes with one row counting the repeats');
my ($first, $repeats) = split /\|/, sq(q{
	SELECT count(*) FILTER (WHERE detail !~ 'more in the last minute'),
	       coalesce(sum(substring(detail FROM '\((\d+) more in the last minute\)')::int), 0)
	FROM autouser.events WHERE identity = 'bob'});
is($first + $repeats, 200, 'every refusal is accounted for: rows plus counted repeats make 200');

# --- operations finding 7: fast-path load with the cleanup worker stalled -----
my $held = AutouserTest::open_session(cs(AutouserTest::client_cert(cn => 'busy'), 'busy'));
my ($cleanup_pid) = split /\n/, sq("SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_autouser cleanup'");
kill 'STOP', $cleanup_pid;
my $busy = AutouserTest::client_cert(cn => 'busy');
my ($sslcert) = $busy =~ /sslcert=(\S+)/;
my ($sslkey) = $busy =~ /sslkey=(\S+)/;
my $script = $node->basedir . '/select1.sql';
PostgreSQL::Test::Utils::append_to_file($script, "SELECT 1;\n");
my $pgbench = IPC::Run::start(
	[ 'pgbench', '-n', '-C', '-c', '4', '-j', '4', '-t', '150', '-f', $script,
	  '-h', '127.0.0.1', '-p', $node->port, '-U', 'busy', 'postgres' ],
	init => sub {
		$ENV{PGSSLMODE} = 'verify-full';
		$ENV{PGSSLCERT} = $sslcert;
		$ENV{PGSSLKEY} = $sslkey;
		$ENV{PGSSLROOTCERT} = "$AutouserTest::certdir/ca.crt";
	},
	'<', \undef, '>', \my $bench_out, '2>', \my $bench_err,
	IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
# Refusals and first logins while the fast path runs and the drainer sleeps.
for my $i (1 .. 3)
{
	sq("CREATE ROLE rej$i LOGIN");
	$node->connect_fails(cs(AutouserTest::client_cert(cn => "rej$i"), "rej$i"), "refusal $i under load",
		expected_stderr => qr/role "rej$i" exists and is not managed/);
}
$node->connect_ok(cs(AutouserTest::client_cert(cn => 'newcomer'), 'newcomer'), 'a first login under load');
ok($pgbench->finish, 'the fast-path load ran: 600 logins') or diag($bench_err);
like($bench_out, qr/number of failed transactions: 0/, 'none of them failed');
kill 'CONT', $cleanup_pid;
ok($node->poll_query_until('postgres',
	"SELECT count(DISTINCT identity) = 3 FROM autouser.events WHERE action = 'reject' AND identity LIKE 'rej%'"),
	'every refusal made while the cleanup worker was stalled reached autouser.events');
is(sq("SELECT count(*) FROM autouser.events WHERE action = 'create' AND role = 'newcomer'"), '1',
	'and the first login was recorded');
is(sq("SELECT value FROM autouser.stats WHERE name = 'events_dropped'"), '0', 'nothing was dropped');
ok(!$node->log_contains(qr/could not queue \d+ events|dropped \d+ queued events/), 'and nothing was logged as lost');
ok($node->poll_query_until('postgres',
	"SELECT last_login > now() - interval '1 minute' FROM autouser.users WHERE role = 'busy'"),
	'the fast-path logins moved last_login');
$held->quit;
$node->stop;
done_testing();
