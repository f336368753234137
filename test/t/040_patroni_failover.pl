# 040_patroni_failover.pl -- SPEC 10 failover under a real Patroni cluster
# (etcd + 3 nodes on loopback, every node with the same
# pg_autouser.primary_conninfo: a multi-host string with
# target_session_attrs=read-write, set in Patroni's dynamic configuration).
# First logins on the leader and on a replica (through the leader); what
# was committed before the leader died (rule, roles, events) is intact on
# the new leader, which deactivates a role whose session died with the old
# leader and keeps one whose session lives on a replica; a first login and
# a reactivation there need no manual step; the remaining replica follows
# the new leader and provisions through it; the old leader rejoins as a
# replica (pg_rewind when needed).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use Time::HiRes qw(time);
use AutouserTest;
use PatroniCluster;
use PostgreSQL::Test::Utils;
use Test::More;

if (my $why = PatroniCluster::unavailable())
{
	plan skip_all => "Patroni tests need patroni and etcd: $why";
}

my $t0 = time;
my $c = PatroniCluster->new(nodes => 3);
$c->start;
my $leader = $c->leader;
my @replicas = $c->replicas;
is(scalar @replicas, 2, 'one leader and two streaming replicas');
my @listen = $c->listen_addresses;
ok(@listen >= 7 && !grep({ !/^127\.0\.0\.1:\d+$/ } @listen),
	'etcd, Patroni and PostgreSQL listen on 127.0.0.1 only')
  or diag "listening: @listen";

sub sq { my ($node, $sql) = @_; return $node->safe_psql('postgres', $sql); }
sub cs { return $c->cert_connstr(@_); }

# What a failover must keep: the rules, alice's role and the events.
my %q = (
	rules => "SELECT string_agg(identity || ':' || array_to_string(roles, ','), ' ' ORDER BY id)"
	  . " FROM autouser.rules",
	alice => "SELECT rolcanlogin FROM pg_roles WHERE rolname = 'alice'",
	events => "SELECT string_agg(id || ':' || coalesce(role, '') || ':' || action, ' ' ORDER BY id)"
	  . " FROM autouser.events",
	max_event => 'SELECT max(id) FROM autouser.events');

sq($leader, q{
	CREATE ROLE reader NOLOGIN;
	CREATE EXTENSION pg_autouser;
	SELECT autouser.add_rule('*', ARRAY['reader']);
});
AutouserTest::wait_for_workers($leader, 2);
# How settings every node shares (pg_autouser.primary_conninfo) get there.
ok($c->set_dynamic_conf('pg_autouser.sweep_interval' => '30s'),
	"a setting in Patroni's dynamic configuration reaches every node");
# Standbys provision through whichever node leads, logging in as the admin
# role (here the bootstrap superuser) by certificate.  Leases outlive a
# failover (Patroni's takes about 11 s here) so that sessions on replicas
# keep their roles across it.
my $su = $c->superuser;
my $link = $c->multihost_connstr(AutouserTest::client_cert(cn => $su), $su);
ok($c->set_dynamic_conf('pg_autouser.primary_conninfo' => $link,
		'pg_autouser.lease_interval' => '1s', 'pg_autouser.lease_expiry' => '30s'),
	'every node carries the same primary_conninfo');

# --- a first login on the leader, replicated ---------------------------------
my $alice = AutouserTest::client_cert(cn => 'alice');
$leader->connect_ok(cs($leader, $alice, 'alice'), 'first login on the leader creates alice',
	sql => 'SELECT current_user', expected_stdout => qr/^alice$/);
# Let alice's logout settle (deactivate) so nothing is in flight at the kill:
# replication is asynchronous, so only what replicas replayed must survive.
ok($leader->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM autouser.events WHERE role = 'alice' AND action = 'deactivate'"),
	'alice is deactivated after her session');
is(AutouserTest::memberships($leader, 'alice'), 'auto_user', 'alice holds only the group role');

for my $r (@replicas)
{
	ok($r->poll_query_until('postgres', "SELECT count(*) = 1 FROM autouser.events WHERE role = 'alice'"
		  . " AND action = 'deactivate'"),
		'alice and her events reach ' . $r->name);
	is(sq($r, $q{rules}), '*:reader', 'the rule reaches ' . $r->name);
}
# --- a first login on a replica, through the leader ------------------------------
my $dave = AutouserTest::client_cert(cn => 'dave');
$replicas[0]->connect_ok(cs($replicas[0], $dave, 'dave'), 'first login on a replica: provisioned through the leader',
	sql => 'SELECT current_user', expected_stdout => qr/^dave$/);
is(sq($leader, "SELECT count(*) FROM autouser.events WHERE role = 'dave' AND action = 'create'"), '1',
	'the leader created dave');
ok($leader->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM autouser.events WHERE role = 'dave' AND action = 'deactivate'"),
	'and deactivates him once the replica reports his session ended');
# erin is logged in on a replica when the leader dies.
my $erin = AutouserTest::client_cert(cn => 'erin');
my $erin_session = AutouserTest::hold(cs($replicas[1], $erin, 'erin'));
is($erin_session->{first}, 'READY', 'erin holds a session on ' . $replicas[1]->name);
ok($leader->poll_query_until('postgres',
	q{SELECT count(*) = 1 FROM autouser.sessions WHERE role = 'erin' AND node IS NOT NULL}),
	'the leader lists her session on the replica');

# carol is logged in on the leader when it dies.
my $carol = AutouserTest::client_cert(cn => 'carol');
my $carol_session = AutouserTest::open_session(cs($leader, $carol, 'carol'));
is(sq($leader, "SELECT rolcanlogin FROM pg_roles WHERE rolname = 'carol'"), 't',
	'carol is active while her session lasts');

# Snapshot first, then wait: everything in the snapshot is then replayed.
my %before = map { $_ => sq($leader, $q{$_}) } keys %q;
$c->wait_for_replay;
is($before{alice}, 'f', 'alice exists, inactive, before the kill');

# SPEC 10's suggested pg_autouser.primary_conninfo shape reaches the leader.
$leader->connect_ok($c->multihost_connstr($alice, 'alice'),
	'a multi-host string with target_session_attrs=read-write reaches the leader',
	sql => 'SELECT inet_server_port()', expected_stdout => qr/^@{[ $leader->port ]}$/);
ok($leader->poll_query_until('postgres', "SELECT NOT rolcanlogin FROM pg_roles WHERE rolname = 'alice'"),
	'alice is deactivated again');
$before{$_} = sq($leader, $q{$_}) for keys %q;
$c->wait_for_replay;

# --- the leader dies ------------------------------------------------------------
my $t_kill = time;
my $old = $c->kill_leader;
my $new = $c->wait_for_new_leader($old);
my $failover_s = time - $t_kill;
ok((grep { $_->name eq $new->name } @replicas), "Patroni promoted a replica ($old -> " . $new->name . ')');
note sprintf('failover took %.1f s', $failover_s);

is(sq($new, $q{rules}), $before{rules}, 'the rule is intact on the new leader');
is(sq($new, 'SHOW pg_autouser.sweep_interval'), '30s', 'the dynamic setting holds on the new leader');
is(sq($new, $q{alice}), $before{alice}, 'alice is intact on the new leader');
is(AutouserTest::memberships($new, 'alice'), 'auto_user', 'with her memberships');
is(sq($new, "SELECT string_agg(id || ':' || coalesce(role, '') || ':' || action, ' ' ORDER BY id)"
	  . " FROM autouser.events WHERE id <= $before{max_event}"),
	$before{events}, 'the events committed before the kill are intact');

ok($new->poll_query_until('postgres', "SELECT NOT rolcanlogin FROM pg_roles WHERE rolname = 'carol'"),
	'the new leader deactivates carol, whose session died with the old leader');
eval { $carol_session->quit; };
is(sq($new, "SELECT rolcanlogin FROM pg_roles WHERE rolname = 'erin'"), 't',
	'the same sweep keeps erin, whose session lives on a replica');
is($erin_session->query('SELECT current_user'), 'OK erin', 'and her session goes on');

# --- logins continue on the new leader --------------------------------------------
my $bob = AutouserTest::client_cert(cn => 'bob');
$new->connect_ok(cs($new, $bob, 'bob'), 'a first login on the new leader needs no manual step',
	sql => 'SELECT current_user', expected_stdout => qr/^bob$/);
is(sq($new, "SELECT count(*) FROM autouser.events WHERE role = 'bob' AND action = 'create'"), '1',
	'the new leader records the create event');
$new->connect_ok($c->multihost_connstr($alice, 'alice'),
	'the multi-host string skips the dead node and the replica and reaches the new leader',
	sql => 'SELECT inet_server_port()', expected_stdout => qr/^@{[ $new->port ]}$/);
# What a standby's worker does: log in to whichever node is writable as
# a role pg_autouser leaves alone (here the superuser, by certificate).
# libpq tries the next host after 57P03 only: any other refusal by a
# standby ends the attempt, so the exemption must hold on every node.
$new->connect_ok($c->multihost_connstr(AutouserTest::client_cert(cn => $su), $su),
	'so does a superuser certificate login with it',
	sql => 'SELECT inet_server_port()', expected_stdout => qr/^@{[ $new->port ]}$/);

# --- the remaining replica follows the new leader -----------------------------------
$c->wait_for_replicas_streaming;
my ($rest) = $c->replicas;
is(sq($rest, 'SELECT sender_port FROM pg_stat_wal_receiver'), $new->port,
	$rest->name . ' streams from the new leader');
like(sq($rest, 'SHOW primary_conninfo'), qr/\bport=@{[ $new->port ]}\b/,
	'Patroni repointed its primary_conninfo');
ok($rest->poll_query_until('postgres', "SELECT count(*) = 1 FROM pg_roles WHERE rolname = 'bob'"),
	'bob, created on the new leader, reaches ' . $rest->name);
my $frank = AutouserTest::client_cert(cn => 'frank');
$rest->connect_ok(cs($rest, $frank, 'frank'), 'the remaining replica provisions through the new leader',
	sql => 'SELECT current_user', expected_stdout => qr/^frank$/);
is(sq($new, "SELECT count(*) FROM autouser.events WHERE role = 'frank' AND action = 'create'"), '1',
	'the new leader created frank');
$erin_session->close;
ok($new->poll_query_until('postgres', "SELECT NOT rolcanlogin FROM pg_roles WHERE rolname = 'erin'"),
	'once erin logs out, the new leader deactivates her');

# --- the old leader rejoins as a replica ---------------------------------------------
$c->start_node($old);
$c->wait_for_replicas_streaming;
my $oldnode = $c->node($old);
is(sq($oldnode, 'SELECT pg_is_in_recovery()'), 't', "$old rejoins as a replica");
ok($oldnode->poll_query_until('postgres', "SELECT count(*) = 1 FROM pg_roles WHERE rolname = 'bob'"),
	"bob reaches $old");
is(sq($oldnode, 'SHOW pg_autouser.sweep_interval'), '30s', "and $old keeps the dynamic setting");

note sprintf('040_patroni_failover: %.1f s in all, failover %.1f s', time - $t0, $failover_s);
$c->stop_all;
done_testing();
