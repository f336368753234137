# 953_attack_node_name_collision.pl -- found by the second adversarial review: two standbys that
# report under the same node name delete each other's leases, and the
# primary then deactivates roles that are in use -- their sessions are
# terminated.
#
# SPEC 10: the primary "does not deactivate a role with a live session on
# any standby"; node names are unique per standby.  Nothing makes them
# unique or detects a clash: pg_autouser.node_name is free text (easily
# copied into Patroni's shared dynamic configuration, or two containers
# with the same hostname and port under the host:port default), and
# leases.c autouser_leases_renew() replaces *all* of the node's leases with
# each report.  Standby A's report deletes standby B's leases, B's roles
# are cleaned (NOLOGIN, memberships revoked), B replays that and ends their
# sessions.  Expected: a clash is detected (refused, or leases keyed by
# something unique like the system identifier + a per-start id), never
# turned into terminated sessions.
# FAILS on 84c6745.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = AutouserTest::start_node('rt2_nn_primary', conf => <<'CONF');
wal_level = replica
max_wal_senders = 6
pg_autouser.admin_role = 'autouser_admin'
pg_autouser.lease_interval = 1
pg_autouser.lease_expiry = 3
CONF
$primary->safe_psql('postgres', q{
	CREATE ROLE reader NOLOGIN;
	CREATE ROLE autouser_admin LOGIN CREATEROLE;
	CREATE EXTENSION pg_autouser;
	GRANT USAGE ON SCHEMA autouser TO autouser_admin;
	GRANT EXECUTE ON FUNCTION autouser._provision_for_standby(text, text, text, text[]),
		autouser._renew_leases(text, jsonb) TO autouser_admin;
	SELECT autouser.add_rule('*', ARRAY['reader']);
});
AutouserTest::wait_for_workers($primary, 2);
AutouserTest::grant_admin_option($primary, 'autouser_admin', 'reader');
sub cs { return AutouserTest::cert_connstr(@_); }
sub pq { return $primary->safe_psql('postgres', $_[0]); }

my $admin_cert = AutouserTest::client_cert(cn => 'autouser_admin');
my $conf = 'pg_autouser.primary_conninfo = '
  . AutouserTest::conf_quote(cs($primary, $admin_cert, 'autouser_admin'))
  . "\npg_autouser.provision_timeout = 5000\npg_autouser.node_name = 'db-replica'\n";
my $s1 = AutouserTest::make_standby($primary, 'rt2_nn_s1', conf => $conf);
my $s2 = AutouserTest::make_standby($primary, 'rt2_nn_s2', conf => $conf);

my $alice = AutouserTest::hold(cs($s1, AutouserTest::client_cert(cn => 'alice'), 'alice'));
is($alice->{first}, 'READY', 'alice holds a session on standby 1');
my $bob = AutouserTest::hold(cs($s2, AutouserTest::client_cert(cn => 'bob'), 'bob'));
is($bob->{first}, 'READY', 'bob holds a session on standby 2 (same node_name)');

# Several lease intervals.
sleep 6;
is(pq(q{SELECT string_agg(rolname || ':' || rolcanlogin, ',' ORDER BY rolname) FROM pg_roles WHERE rolname IN ('alice', 'bob')}),
	'alice:true,bob:true', 'SPEC 10: both roles stay active while their standby sessions live');
my $ra = $alice->query('SELECT current_user');
my $rb = $bob->query('SELECT current_user');
is("$ra | $rb", 'OK alice | OK bob', 'SPEC 10: neither standby session is terminated');
is(pq(q{SELECT count(*) FROM autouser.events WHERE action = 'deactivate' AND role IN ('alice', 'bob')}),
	'0', 'no deactivate event for a role in use');
$alice->close;
$bob->close;

$s1->stop;
$s2->stop;
$primary->stop;
done_testing();
