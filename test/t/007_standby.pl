# 007_standby.pl -- a hot standby: its workers load the rules read-only, so
# an active managed role still gets the fast path there; a login that
# needs a write is
# refused with 57P03 naming the cause.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = AutouserTest::start_node('primary', conf => "wal_level = replica\nmax_wal_senders = 4\n");
$primary->safe_psql('postgres', q{
	CREATE ROLE reader NOLOGIN;
	CREATE EXTENSION pg_autouser;
	SELECT autouser.add_rule('*', ARRAY['reader']);
});
AutouserTest::wait_for_workers($primary, 2);
my $ivy = AutouserTest::client_cert(cn => 'ivy');
my $held = AutouserTest::open_session(AutouserTest::cert_connstr($primary, $ivy, 'ivy'));

$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
chmod 0600, $standby->data_dir . "/server.key";
$standby->append_conf('postgresql.conf', "listen_addresses = '127.0.0.1'\nhot_standby = on\n");
$standby->start;
$primary->wait_for_catchup($standby);
$standby->poll_query_until('postgres',
	"SELECT count(*) >= 1 FROM pg_stat_activity WHERE backend_type = 'pg_autouser worker' AND wait_event = 'Extension'")
  or die 'standby workers did not start';

$standby->connect_ok(AutouserTest::cert_connstr($standby, $ivy, 'ivy'),
	'standby: an active managed role gets the fast path',
	sql => 'SELECT current_user', expected_stdout => qr/^ivy$/);
$standby->connect_fails(AutouserTest::cert_connstr($standby, AutouserTest::client_cert(cn => 'newcomer'), 'newcomer'),
	'standby: a new identity is refused with 57P03',
	expected_stderr => qr/cannot provision role "newcomer" now.*HINT:  This server is a standby/s);

$held->quit;
$standby->stop;
$primary->stop;
done_testing();
