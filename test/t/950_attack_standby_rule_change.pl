# 950_attack_standby_rule_change.pl -- found by the second adversarial review: a rule change on
# the primary never reaches a role whose sessions are on a standby.
#
# SPEC 7 "Rule changes apply at once": when a committed change of
# autouser.rules changes the set an active managed role would get, removed
# roles are revoked and (on_revoke = terminate) its sessions ended; no rule
# left -> sessions ended, role deactivated.  SPEC 10: sessions on standbys
# count (they are leases on the primary).
#
# The cleanup worker applies a rule change only to the roles in its own
# shared-memory registry (cleanup_worker.c apply_rule_change ->
# autouser_sessions_roles()), i.e. the primary's own sessions.  A role that
# is in use only on a standby keeps every membership the dropped rules
# gave it, its standby session (which may already have done SET ROLE) goes
# on, and the lease the standby renews keeps the role LOGIN forever.
# This test FAILS on 84c6745 and passes once rule changes also reach the
# roles held by standby leases.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = AutouserTest::start_node('rt2_primary', conf => <<'CONF');
wal_level = replica
max_wal_senders = 4
pg_autouser.admin_role = 'autouser_admin'
pg_autouser.lease_interval = 1
pg_autouser.lease_expiry = 3
CONF
$primary->safe_psql('postgres', q{
	CREATE ROLE reader NOLOGIN;
	CREATE ROLE writer NOLOGIN;
	CREATE TABLE secret (v text);
	INSERT INTO secret VALUES ('only writers');
	GRANT SELECT ON secret TO writer;
	CREATE ROLE autouser_admin LOGIN CREATEROLE;
	CREATE EXTENSION pg_autouser;
	GRANT USAGE ON SCHEMA autouser TO autouser_admin;
	GRANT EXECUTE ON FUNCTION autouser._provision_for_standby(text, text, text, text[]),
		autouser._renew_leases(text, jsonb) TO autouser_admin;
});
my $r_all = $primary->safe_psql('postgres', q{SELECT autouser.add_rule('*', ARRAY['reader'])});
my $r_nina = $primary->safe_psql('postgres', q{SELECT autouser.add_rule('nina', ARRAY['writer'])});
AutouserTest::wait_for_workers($primary, 2);
AutouserTest::grant_admin_option($primary, 'autouser_admin', qw(reader writer));

sub cs { return AutouserTest::cert_connstr(@_); }
sub pq { return $primary->safe_psql('postgres', $_[0]); }
# Polls $sql on $node for up to $secs seconds (short: a held session's
# client times out after PG_TEST_TIMEOUT_DEFAULT).
my $admin_cert = AutouserTest::client_cert(cn => 'autouser_admin');
my $link = AutouserTest::conf_quote(cs($primary, $admin_cert, 'autouser_admin'));
my $standby = AutouserTest::make_standby($primary, 'rt2_standby', conf => <<"CONF");
pg_autouser.primary_conninfo = $link
pg_autouser.provision_timeout = 5000
pg_autouser.node_name = 'standby1'
CONF

# Control: the same change on the primary's own session ends it (060 covers it).
# Here: nina's only session is on the standby, and has done SET ROLE writer.
my $nina_cert = AutouserTest::client_cert(cn => 'nina');
my $nina = AutouserTest::hold(cs($standby, $nina_cert, 'nina'));
is($nina->{first}, 'READY', 'nina holds a session on the standby');
ok($primary->poll_query_until('postgres',
	q{SELECT count(*) = 1 FROM autouser.sessions WHERE role = 'nina' AND node = 'standby1'}),
	'the primary knows the standby session (lease)');
is($nina->query('SET ROLE writer'), 'OK ', 'the session uses writer');
is($nina->query('SELECT v FROM secret'), 'OK only writers', 'and reads what writers may read');

# --- the rule that gave writer is dropped on the primary ----------------------
pq("SELECT autouser.drop_rule($r_nina)");
$primary->wait_for_catchup($standby);
# Polled without a time bound of its own (timings are make bench's): the bug
# was that it never happened.
ok($primary->poll_query_until('postgres',
	q{SELECT NOT pg_has_role('nina', 'writer', 'MEMBER')}),
	'SPEC 7: writer is revoked from nina (her session is on a standby)');
$primary->wait_for_catchup($standby);
my $r = $nina->query('SELECT v FROM secret');
like($r, qr/^ERROR 57P01/,
	'SPEC 7 on_revoke=terminate: the standby session that did SET ROLE writer is ended')
	or diag "standby session still answers: $r";

# --- no rule left: sessions ended, role deactivated ---------------------------
$nina->close;
my $omar_cert = AutouserTest::client_cert(cn => 'omar');
my $omar = AutouserTest::hold(cs($standby, $omar_cert, 'omar'));
is($omar->{first}, 'READY', 'omar holds a session on the standby');
ok($primary->poll_query_until('postgres',
	q{SELECT count(*) = 1 FROM autouser.sessions WHERE role = 'omar' AND node = 'standby1'}),
	'the primary knows it');
pq("SELECT autouser.drop_rule($r_all)");
$primary->wait_for_catchup($standby);
ok($primary->poll_query_until('postgres',
	q{SELECT NOT rolcanlogin AND NOT pg_has_role('omar', 'reader', 'MEMBER') FROM pg_roles WHERE rolname = 'omar'}),
	'SPEC 7: no rule admits omar any more -> his role is deactivated (session on a standby)');
# The standby ends the session once it has replayed the drop (its worker
# looks at the replayed rules every second): polled, bounded.
my $deadline = time + $PostgreSQL::Test::Utils::timeout_default;
do { $r = $omar->query('SELECT current_user'); select(undef, undef, undef, 0.2) if $r =~ /^OK/ }
	while ($r =~ /^OK/ && time < $deadline);
like($r, qr/^ERROR 57P01/, 'SPEC 7: and his standby session is ended')
	or diag "standby session still answers: $r";
$standby->connect_fails(cs($standby, $omar_cert, 'omar'),
	'(a new login of omar on the standby is refused: the standby judges by replayed rules)');
$omar->close;

$standby->stop;
$primary->stop;
done_testing();
