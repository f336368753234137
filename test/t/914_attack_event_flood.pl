# 914_attack_event_flood.pl -- found by adversarial review (MEDIUM): some
# 7600 distinct certificates refused within a minute.  The event queue, a
# shared hash made for 4096 entries, grew into the server's spare shared
# memory (which the lock table needs) and reject events were dropped.  The
# queue is now bounded, and refusals already written make room, so none is
# dropped while the cleanup worker keeps up.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Time::HiRes qw(time);
use Test::More;

my $node = AutouserTest::start_node('eflood', conf => "max_connections = 60\n");
$node->safe_psql('postgres', q{
	CREATE ROLE gone NOLOGIN;
	CREATE EXTENSION pg_autouser;
	SELECT autouser.add_rule('f*', ARRAY['gone']);
	DROP ROLE gone;
});
AutouserTest::wait_for_workers($node, 2);
sub sq { return $node->safe_psql('postgres', $_[0]); }
my $n = 7600;
my $dir = AutouserTest::bulk_certs('f', $n);
my $flood = AutouserTest::flood_program($dir);
my $free_before = sq('SELECT size FROM pg_shmem_allocations WHERE name IS NULL');
my $base = 'host=127.0.0.1 port=' . $node->port
  . " dbname=postgres sslmode=verify-full sslrootcert=$AutouserTest::certdir/ca.crt";
my $t0 = time;
my $out = `$flood '$base' $dir f $n 8`;
diag(sprintf('%d refused logins of distinct identities in %.0f s: %s', $n, time - $t0, $out));
like($out, qr/^ok=0 failed=$n$/m, 'every login was refused');
ok($node->poll_query_until('postgres',
	"SELECT count(DISTINCT identity) = $n FROM autouser.events WHERE action = 'reject'"),
	'SPEC 7: every refused identity has its reject event');
is(sq(q{SELECT value FROM autouser.stats WHERE name = 'events_dropped'}), '0',
	'none was dropped');
my $free_after = sq('SELECT size FROM pg_shmem_allocations WHERE name IS NULL');
cmp_ok($free_before - $free_after, '<', 100_000,
	"the event queue does not take the server's spare shared memory");
$node->stop;
done_testing();
