# 043_standby_provisioning.pl -- SPEC 10 on real streaming standbys: a
# first login or a reactivation on a hot standby is provisioned through the
# primary (pg_autouser.primary_conninfo, as the admin role, by certificate)
# and admitted once the standby has replayed it; standbys report their
# sessions as leases, so the primary neither cleans a role in use on a
# standby nor keeps one whose standby died; and the faults: a plain user
# calling the primary's function, a primary that refuses the admin role, a
# standby that lags past the timeout, a primary restarting mid-request, and
# two standbys provisioning one identity at once.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Time::HiRes qw(time);
use Test::More;

my $primary = AutouserTest::start_node('primary', conf => <<'CONF');
wal_level = replica
max_wal_senders = 8
pg_autouser.admin_role = 'autouser_admin'
pg_autouser.lease_interval = 1
pg_autouser.lease_expiry = 3
CONF
$primary->safe_psql('postgres', q{
	CREATE ROLE reader NOLOGIN;
	CREATE ROLE autouser_admin LOGIN CREATEROLE;
	CREATE ROLE mallory LOGIN;
	CREATE EXTENSION pg_autouser;
	GRANT USAGE ON SCHEMA autouser TO autouser_admin, mallory;
	GRANT EXECUTE ON FUNCTION autouser._provision_for_standby(text, text, text, text[]),
		autouser._renew_leases(text, jsonb) TO autouser_admin, mallory;
	SELECT autouser.add_rule('*', ARRAY['reader']);
});
AutouserTest::wait_for_workers($primary, 2);
AutouserTest::grant_admin_option($primary, 'autouser_admin', 'reader');

sub cert { return AutouserTest::client_cert(@_); }
sub cs { my ($node, $cert, $user) = @_; return AutouserTest::cert_connstr($node, $cert, $user); }
sub pq { return $primary->safe_psql('postgres', $_[0]); }

my $admin_cert = cert(cn => 'autouser_admin');
my $link = AutouserTest::conf_quote(cs($primary, $admin_cert, 'autouser_admin'));
my $standby_conf = <<"CONF";
pg_autouser.primary_conninfo = $link
pg_autouser.provision_timeout = 5000
CONF
my $standby = AutouserTest::make_standby($primary, 'standby1',
	conf => $standby_conf . "pg_autouser.node_name = 'standby1'\n");

# --- the primary's function is the admin role's alone -----------------------
my ($ret, $out, $err) = $primary->psql('postgres',
	q{SELECT * FROM autouser._provision_for_standby('x', 'mallory_new', 'postgres', '{}')},
	extra_params => [ '-U', 'mallory' ]);
isnt($ret, 0, 'a plain user granted EXECUTE cannot provision through the standby function');
like($err, qr/permission denied to act for a pg_autouser standby/, 'and is told so');
($ret, $out, $err) = $primary->psql('postgres',
	q{SELECT autouser._renew_leases('x', '[{"pid": 1, "role": "reader"}]')},
	extra_params => [ '-U', 'mallory' ]);
like($err, qr/permission denied to act for a pg_autouser standby/, 'nor renew a lease');
is(pq("SELECT count(*) FROM pg_roles WHERE rolname = 'mallory_new'"), '0', 'nothing was made');
# Even the admin role is trusted with no more than a login: the attributes
# must name the identity as their one CN.
($ret, $out, $err) = $primary->psql('postgres',
	q{SELECT outcome FROM autouser._provision_for_standby('x', 'victor', 'postgres', '{CN,someone_else}')},
	extra_params => [ '-U', 'autouser_admin' ]);
like($err, qr/attrs must hold exactly one CN, equal to the identity/,
	'the primary refuses attributes whose CN is not the identity, even from the admin role');
is(pq("SELECT count(*) FROM pg_roles WHERE rolname = 'victor'"), '0', 'and makes nothing');
# A login to a database that does not exist gets nothing provisioned.
$standby->connect_fails(cs($standby, cert(cn => 'walt'), 'walt') =~ s/dbname='postgres'/dbname='nosuchdb'/r,
	'a login to a missing database is refused by PostgreSQL',
	expected_stderr => qr/role "walt" does not exist/);
is(pq("SELECT count(*) FROM pg_roles WHERE rolname = 'walt'"), '0', 'and nothing was provisioned for it');
is(pq('SELECT count(*) FROM autouser.standby_sessions'), '0', 'no lease was written');

# --- a first login on the standby --------------------------------------------
my $nina = cert(cn => 'nina', ou => ['eng']);
$standby->connect_ok(cs($standby, $nina, 'nina'), 'standby: a first login is provisioned through the primary',
	sql => q{SELECT current_user || ' ' || pg_has_role('reader', 'MEMBER')},
	expected_stdout => qr/^nina true$/);
is(pq(q{SELECT string_agg(action, ',' ORDER BY id) FROM autouser.events WHERE role = 'nina'}),
	'create', 'the primary created it and recorded the event');
ok($primary->poll_query_until('postgres',
	"SELECT NOT rolcanlogin FROM pg_roles WHERE rolname = 'nina'"),
	'after the standby session ends, the primary deactivates the role');
$primary->wait_for_catchup($standby);
$standby->connect_ok(cs($standby, $nina, 'nina'), 'standby: a reactivation goes through the primary too',
	sql => 'SELECT current_user', expected_stdout => qr/^nina$/);
is(pq(q{SELECT string_agg(action, ',' ORDER BY id) FROM autouser.events WHERE role = 'nina' AND action <> 'deactivate'}),
	'create,reactivate', 'the primary reactivated it');

# --- sessions on the standby count -------------------------------------------
my $held = AutouserTest::hold(cs($standby, $nina, 'nina'));
is($held->{first}, 'READY', 'nina holds a session on the standby');
ok($primary->poll_query_until('postgres',
	q{SELECT count(*) = 1 FROM autouser.sessions WHERE role = 'nina' AND node = 'standby1'}),
	'the primary lists the standby session, with the standby\'s name');
is(pq(q{SELECT sessions FROM autouser.users WHERE role = 'nina'}), '1', 'users counts it');
is(pq('SELECT autouser.sweep()'), '0', 'a sweep on the primary leaves the role alone');
is(pq(q{SELECT rolcanlogin FROM pg_roles WHERE rolname = 'nina'}), 't', 'nina stays active');
($ret, $out, $err) = $primary->psql('postgres', q{SELECT autouser.deactivate('nina')});
like($err, qr/role "nina" has active sessions on standby servers/, 'deactivate() refuses without terminate');
is($standby->safe_psql('postgres', q{SELECT count(*) FROM autouser.sessions WHERE role = 'nina'}),
	'1', 'the standby lists its own session once, with no node');
is($held->query('SELECT 1'), 'OK 1', 'the session works');
$held->send('SELECT pg_sleep(60)');
$standby->poll_query_until('postgres',
	q{SELECT count(*) = 1 FROM pg_stat_activity WHERE usename = 'nina' AND wait_event = 'PgSleep'});
pq(q{SELECT autouser.deactivate('nina', terminate => true)});
like($held->read_line,
	qr/^ERROR 57P01 terminating connection because pg_autouser deactivated its role/,
	'deactivate(terminate) on the primary ends the standby session once replayed');
$held->close;

# --- a rule change reaches sessions on the standby ---------------------------
# The primary cannot see uma's certificate; the standby judges her session
# again under the replayed rules and asks the primary to bring her role to
# the new set, or ends the session when something was taken away.
pq('CREATE ROLE writer_u NOLOGIN');
AutouserTest::grant_admin_option($primary, 'autouser_admin', 'writer_u');
my $uma = cert(cn => 'uma');
$held = AutouserTest::hold(cs($standby, $uma, 'uma'));
is($held->{first}, 'READY', 'uma holds a session on the standby');
my $rule = pq(q{SELECT autouser.add_rule('uma', ARRAY['writer_u'])});
my $granted = '';
for (my $t0 = time; time - $t0 < 30 && $granted ne 'OK t';)
{
	$granted = $held->query(q{SELECT pg_has_role('writer_u', 'MEMBER')});
}
is($granted, 'OK t', 'a rule added on the primary reaches the standby session');
like(pq(q{SELECT string_agg(action, ',' ORDER BY id) FROM autouser.events WHERE role = 'uma'}),
	qr/^create,(reactivate|update)$/, 'the primary applied it for the standby');
$held->send('SELECT pg_sleep(60)');
$standby->poll_query_until('postgres',
	q{SELECT count(*) = 1 FROM pg_stat_activity WHERE usename = 'uma' AND wait_event = 'PgSleep'});
pq("SELECT autouser.drop_rule($rule)");
like($held->read_line,
	qr/^ERROR 57P01 terminating connection because the pg_autouser rules no longer grant its roles/,
	'a rule dropped on the primary ends the standby session (on_revoke = terminate)');
$held->close;
ok($primary->poll_query_until('postgres', "SELECT NOT rolcanlogin FROM pg_roles WHERE rolname = 'uma'"),
	'and the primary cleans the role once the standby reports the session gone');

# --- a standby that dies: its leases lapse -----------------------------------
my $standby2 = AutouserTest::make_standby($primary, 'standby2',
	conf => $standby_conf . "pg_autouser.node_name = 'standby2'\n");
my $omar = cert(cn => 'omar');
$held = AutouserTest::hold(cs($standby2, $omar, 'omar'));
is($held->{first}, 'READY', 'omar holds a session on the second standby');
ok($primary->poll_query_until('postgres',
	q{SELECT count(*) = 1 FROM autouser.sessions WHERE role = 'omar' AND node = 'standby2'}),
	'reported by the second standby');
$standby2->stop('immediate');
$held->close;
ok($primary->poll_query_until('postgres',
	"SELECT NOT rolcanlogin FROM pg_roles WHERE rolname = 'omar'"),
	'once the dead standby\'s lease lapses, the primary cleans the role');
like(pq(q{SELECT detail FROM autouser.events WHERE role = 'omar' AND action = 'deactivate'}),
	qr/provisioned for logins that gave up|after the last session|sweep/, 'with an event');
$standby2->start;
$primary->wait_for_catchup($standby2);

# --- two standbys provision one identity at once -----------------------------
my $pat = cert(cn => 'pat');
my @runs = AutouserTest::finish_logins(AutouserTest::start_logins($primary,
	cs($standby, $pat, 'pat'), cs($standby2, $pat, 'pat')));
is(join(',', map { $_->{ok} } @runs), '1,1', 'both logins are admitted') or diag explain \@runs;
is(pq(q{SELECT count(*) FROM pg_roles WHERE rolname = 'pat'}), '1', 'one role');
is(pq(q{SELECT count(*) FROM autouser.events WHERE role = 'pat' AND action = 'create'}), '1',
	'created once');

# --- a primary that refuses the admin role -----------------------------------
my $wrong = cert(cn => 'not_the_admin');
$standby->append_conf('postgresql.conf',
	'pg_autouser.primary_conninfo = ' . AutouserTest::conf_quote(cs($primary, $wrong, 'not_the_admin')) . "\n");
$standby->reload;
$standby->poll_query_until('postgres',
	q{SELECT current_setting('pg_autouser.primary_conninfo') LIKE '%not_the_admin%'});
my $quinn = cert(cn => 'quinn');
my $port = $primary->port;
$standby->connect_fails(cs($standby, $quinn, 'quinn'), 'a primary that refuses the admin role: 57P03',
	expected_stderr => qr/cannot provision role "quinn" now.*HINT:  This server is a standby and cannot reach its primary "host=127.0.0.1 port=$port"/s,
	log_like => [qr/could not connect to the primary/]);
is(pq(q{SELECT count(*) FROM pg_roles WHERE rolname = 'quinn'}), '0', 'nothing was made');
$standby->append_conf('postgresql.conf', "pg_autouser.primary_conninfo = $link\n");
$standby->reload;
$standby->poll_query_until('postgres',
	q{SELECT current_setting('pg_autouser.primary_conninfo') LIKE '%autouser_admin%'});

# --- a standby that lags past the timeout ------------------------------------
$standby->safe_psql('postgres', 'SELECT pg_wal_replay_pause()');
my $rita = cert(cn => 'rita');
$standby->connect_fails(cs($standby, $rita, 'rita'), 'a standby that does not replay in time: 57P03',
	expected_stderr => qr/cannot provision role "rita" now.*did not replay it within pg_autouser.provision_timeout/s);
$standby->safe_psql('postgres', 'SELECT pg_wal_replay_resume()');
ok($primary->poll_query_until('postgres',
	"SELECT NOT rolcanlogin FROM pg_roles WHERE rolname = 'rita'"),
	'the role the primary made for the login that gave up is cleaned when its lease lapses');
$primary->wait_for_catchup($standby);
$standby->connect_ok(cs($standby, $rita, 'rita'), 'and the next login works',
	sql => 'SELECT current_user', expected_stdout => qr/^rita$/);

# --- the primary restarting mid-request --------------------------------------
# sam exists, inactive; a transaction on the primary holds his role, so the
# request from the standby waits there until the primary goes down.
$primary->connect_ok(cs($primary, cert(cn => 'sam'), 'sam'), 'sam is provisioned on the primary');
$primary->poll_query_until('postgres', "SELECT NOT rolcanlogin FROM pg_roles WHERE rolname = 'sam'");
my $blocker = AutouserTest::open_session("port=$port host=" . $primary->host . ' dbname=postgres');
$blocker->query_safe(q{BEGIN; SELECT autouser.deactivate('sam')});
my $sam = cert(cn => 'sam');
my @pending = AutouserTest::start_logins($standby, cs($standby, $sam, 'sam'));
$primary->poll_query_until('postgres',
	q{SELECT count(*) > 0 FROM pg_stat_activity WHERE application_name = 'pg_autouser standby' AND state = 'active'});
# restart() takes no mode: 15 ignored the argument (a fast restart); 17's
# restart(%params) warns about it, and warnings are fatal there.
$primary->restart;
eval { $blocker->quit; };
@runs = AutouserTest::finish_logins(@pending);
# The standby asks again over a new connection if the old one died: the
# login is admitted if the primary is back in time, else refused with 57P03.
ok($runs[0]{ok} || $runs[0]{err} =~ /cannot provision role "sam" now/,
	'the login waiting on a primary that went down is admitted or refused with 57P03')
  or diag explain $runs[0];
AutouserTest::wait_for_workers($primary, 2);
$standby->connect_ok(cs($standby, $sam, 'sam'), 'after the restart the standby provisions through it again',
	sql => 'SELECT current_user', expected_stdout => qr/^sam$/);

$standby->stop;
$standby2->stop;
$primary->stop;
done_testing();
