# 919_attack_standby_rules.pl -- found by adversarial review (MEDIUM): a
# standby never drained its event queue; once it was half full every login
# woke all workers, and a refused login every 0.3 s kept the workers' 1 s
# timeout from ever firing, so the standby stopped reloading its rules: a
# rule changed on the primary did not reach the standby's logins.  SPEC 10:
# a standby's rules follow the primary's within a second of replay, however
# busy it is.  A new rule on the primary must change what the standby says
# to a login within 3 s of replay while distinct identities are refused
# there all the time.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Time::HiRes qw(time);
use Test::More;

my $primary = AutouserTest::start_node('primary',
	conf => "wal_level = replica\nmax_wal_senders = 4\nmax_connections = 60\n");
$primary->safe_psql('postgres', q{
	CREATE ROLE reader NOLOGIN;
	CREATE ROLE gone NOLOGIN;
	CREATE EXTENSION pg_autouser;
	SELECT autouser.add_rule('f*', ARRAY['gone']);
	DROP ROLE gone;
});
AutouserTest::wait_for_workers($primary, 2);
my $standby = AutouserTest::make_standby($primary, 'standby');

# 2200 distinct identities refused on the standby, then one more every
# 0.3 s while the rule changes.
my $n = 2200;
my $dir = AutouserTest::bulk_certs('f', $n);
my $flood = AutouserTest::flood_program($dir);
my $base = 'host=127.0.0.1 port=' . $standby->port
  . " dbname=postgres sslmode=verify-full sslrootcert=$AutouserTest::certdir/ca.crt";
like(`$flood '$base' $dir f $n 8`, qr/^ok=0 failed=$n$/m, "$n distinct identities refused on the standby");
my $ping = AutouserTest::cert_connstr($standby, AutouserTest::client_cert(cn => 'f0'), 'f0');
my $pinger = IPC::Run::start([ 'bash', '-c',
	"for i in \$(seq 100); do psql -XAtqw -d \"\$0\" -c 'SELECT 1' 2>/dev/null; sleep 0.3; done", $ping ]);

my $nina = AutouserTest::cert_connstr($standby, AutouserTest::client_cert(cn => 'nina'), 'nina');
my ($ret, $out, $err) = $standby->psql('postgres', 'SELECT 1', connstr => $nina);
like($err, qr/role "nina" does not exist/, 'before the rule, nina is not pg_autouser\'s on the standby');
$primary->safe_psql('postgres', q{SELECT autouser.add_rule('nina', ARRAY['reader'])});
$primary->wait_for_catchup($standby);
my $replayed = time;
my $seen = '';
while (time - $replayed < 3)
{
	($ret, $out, $err) = $standby->psql('postgres', 'SELECT 1', connstr => $nina);
	$seen = $err;
	last if $err =~ /cannot provision role "nina" now/;
}
like($seen, qr/cannot provision role "nina" now.*This server is a standby/s,
	'within 3 s of replay the busy standby judges nina by the new rule');
$pinger->kill_kill;
$standby->stop;
$primary->stop;
done_testing();
