# 060_access_ends.pl -- access ends when it should (SPEC 7): a committed
# rule change is applied to the roles in use at once (granted, revoked, and
# with on_revoke = terminate their sessions ended when anything was taken
# away; no rule left: sessions ended, role deactivated); a session ends
# within a second of its certificate's notAfter; a reloaded revocation list
# ends the sessions of revoked certificates.  Checked from the client's
# side with psql: the session really ends, with 57P01 and a message that
# says why.  Also the sessions view, the users view's certificate and the
# counters.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $node = AutouserTest::start_node('access_ends');
$node->safe_psql('postgres', q{
	CREATE ROLE reader NOLOGIN;
	CREATE ROLE writer NOLOGIN;
	CREATE ROLE auditor NOLOGIN;
	CREATE EXTENSION pg_autouser;
	SELECT autouser.add_rule('*', ARRAY['reader']);
});
AutouserTest::wait_for_workers($node, 2);
sub cs { return AutouserTest::cert_connstr($node, @_); }
sub cert { return AutouserTest::client_cert(@_); }
sub sq { return $node->safe_psql('postgres', $_[0]); }
sub members { return AutouserTest::memberships($node, @_); }
sub events { return sq("SELECT string_agg(action || ':' || coalesce(detail, ''), ' | ' ORDER BY id) FROM autouser.events WHERE role = '$_[0]' AND action IN ('update', 'terminate', 'deactivate')"); }

# --- the sessions view and the last certificate -------------------------------
my $alice_cert = cert(cn => 'alice');
my $alice = AutouserTest::hold(cs($alice_cert, 'alice'));
is($alice->{first}, 'READY', 'alice holds a session');
my ($serial) = split /\n/, `openssl x509 -noout -serial -in $AutouserTest::certdir/@{[ $alice_cert =~ /sslcert=\S+\/(c\d+\.crt)/ ]}`;
$serial =~ s/^serial=//;
is(sq("SELECT database, cert_serial, cert_issuer, cert_not_after > now(), node IS NULL, backend_start <= now() FROM autouser.sessions WHERE role = 'alice'"),
	"postgres|$serial|CN=pg_autouser test CA|t|t|t", 'autouser.sessions shows her session and its certificate');
ok($node->poll_query_until('postgres', "SELECT cert_serial = '$serial' FROM autouser.users WHERE role = 'alice'"),
	'autouser.users shows the certificate she last used');

# --- a rule change that adds a role: granted at once, session kept ------------
my $id = sq("SELECT autouser.add_rule('alice', ARRAY['writer'])");
ok($node->poll_query_until('postgres', "SELECT pg_has_role('alice', 'writer', 'MEMBER')"),
	'a new rule is granted to the open session\'s role at once');
is($alice->query('SELECT 1'), 'OK 1', 'and the session goes on');
like(events('alice'), qr/^update:granted: writer$/, 'an update event records it');
is($alice->query("SELECT pg_has_role('writer', 'MEMBER')"), 'OK t', 'the session can use writer now');

# A change that leaves alice's set alone touches nothing.
sq("SELECT autouser.add_rule('nobody*', ARRAY['auditor'])");
my $before = events('alice');
sq("SELECT autouser.add_rule('alice', ARRAY['reader'])");
$node->poll_query_until('postgres', "SELECT value >= 0 FROM autouser.stats WHERE name = 'queue_waiting'");
is(events('alice'), $before, 'a rule change that does not move her set writes nothing');

# --- a rule change that takes a role away: revoked, sessions ended ------------
# She is busy in a query, so the end reaches her as that query's error.
$alice->send('SELECT pg_sleep(60)');
$node->poll_query_until('postgres', "SELECT count(*) = 1 FROM pg_stat_activity WHERE usename = 'alice' AND wait_event = 'PgSleep'");
sq("SELECT autouser.drop_rule($id)");
ok($node->poll_query_until('postgres', "SELECT NOT pg_has_role('alice', 'writer', 'MEMBER')"),
	'the dropped rule\'s role is revoked at once');
like($alice->read_line, qr/^ERROR 57P01 terminating connection because the pg_autouser rules no longer grant its roles/,
	'with on_revoke = terminate her session ends with 57P01, and she is told why');
$alice->close;
ok($node->poll_query_until('postgres', "SELECT count(*) > 0 FROM autouser.events WHERE role = 'alice' AND action = 'terminate'"),
	'the end is recorded');
like(events('alice'), qr/update:revoked: writer \|.* terminate:rule change: the rules no longer grant what the session holds/,
	'update and terminate events');

# --- no rule left: sessions ended, role deactivated -----------------------------
sq("SELECT autouser.add_rule('bob', ARRAY['auditor'], 'postgres')");
sq("DELETE FROM autouser.rules WHERE identity = '*'");
my $bob = AutouserTest::hold(cs(cert(cn => 'bob'), 'bob'));
is($bob->{first}, 'READY', 'bob holds a session');
sq("DELETE FROM autouser.rules WHERE identity = 'bob'");
# Idle, he learns it at his next statement.
like($bob->query('SELECT 1'), qr/^ERROR 57P01 terminating connection because the pg_autouser rules no longer grant its roles/,
	'when no rule admits bob any more, his session ends');
$bob->close;
ok($node->poll_query_until('postgres', "SELECT NOT rolcanlogin FROM pg_roles WHERE rolname = 'bob'"),
	'and he is deactivated');
is(members('bob'), 'auto_user', 'holding only the group role');

# --- on_revoke = revoke_only: roles revoked, sessions kept ----------------------
AutouserTest::set_conf($node, 'pg_autouser.on_revoke', 'revoke_only');
sq("SELECT autouser.add_rule('carol', ARRAY['reader'])");
my $extra = sq("SELECT autouser.add_rule('carol', ARRAY['writer'])");
my $carol = AutouserTest::hold(cs(cert(cn => 'carol'), 'carol'));
sq("SELECT autouser.drop_rule($extra)");
ok($node->poll_query_until('postgres', "SELECT NOT pg_has_role('carol', 'writer', 'MEMBER')"),
	'revoke_only: the role is revoked');
is($carol->query('SELECT 1'), 'OK 1', 'revoke_only: the session goes on');
$carol->close;
AutouserTest::set_conf($node, 'pg_autouser.on_revoke', 'terminate');

# --- certificate expiry -------------------------------------------------------------
sq("SELECT autouser.add_rule('*', ARRAY['reader'])");
my $short = AutouserTest::expiring_cert('dave', 8);
my $expires = time + 8;
my $dave = AutouserTest::hold(cs($short, 'dave'));
is($dave->{first}, 'READY', 'dave logs in with a certificate that expires in 8 s');
my $ended = $dave->query('SELECT pg_sleep(60)');
my $late = time - $expires;
like($ended, qr/^ERROR 57P01 terminating connection because its client certificate expired/,
	'the session ends when the certificate expires, with 57P01 saying why');
ok($late < 2, sprintf('within a second or so of notAfter (%.1f s; one-second granularity)', $late));
$dave->close;
ok($node->log_contains(qr/FATAL:  terminating connection because its client certificate expired/),
	'the server log says so');
ok($node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM autouser.events WHERE role = 'dave' AND action = 'terminate' AND detail = 'certificate expired'"),
	'an event records it');
ok($node->poll_query_until('postgres', "SELECT NOT rolcanlogin FROM pg_roles WHERE rolname = 'dave'"),
	'and the role is cleaned as usual');
$node->connect_fails(cs($short, 'dave'), 'the expired certificate no longer logs in',
	expected_stderr => qr/SSL error|certificate/);

# --- revocation lists ---------------------------------------------------------------
my $erin_cert = cert(cn => 'erin');
my $frank_cert = cert(cn => 'frank');
my $erin = AutouserTest::hold(cs($erin_cert, 'erin'));
my $frank = AutouserTest::hold(cs($frank_cert, 'frank'));
is($erin->{first} . ' ' . $frank->{first}, 'READY READY', 'erin and frank hold sessions');
my $crl = $node->data_dir . '/crl.pem';
AutouserTest::revoke_cert($erin_cert, $crl);
AutouserTest::set_conf($node, 'ssl_crl_file', 'crl.pem');
like($erin->query('SELECT 1'), qr/^ERROR 57P01 terminating connection because its client certificate was revoked/,
	'after the reload with a CRL naming her certificate, erin\'s session ends, saying why');
$erin->close;
is($frank->query('SELECT 1'), 'OK 1', 'frank\'s session goes on');
$frank->close;
$node->connect_fails(cs($erin_cert, 'erin'), 'PostgreSQL refuses the revoked certificate at the handshake',
	expected_stderr => qr/SSL error: .*certificate revoked/);
$node->connect_ok(cs($frank_cert, 'frank'), 'and still admits the others');
ok($node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM autouser.events WHERE role = 'erin' AND action = 'terminate' AND detail = 'certificate revoked'"),
	'an event records the revocation');

# --- counters -------------------------------------------------------------------------
is(sq("SELECT string_agg(value::text, ',' ORDER BY name) FROM autouser.stats WHERE name IN ('sessions_ended_expiry', 'sessions_ended_crl', 'sessions_ended_rule_change')"),
	'1,1,2', 'autouser.stats counts the sessions ended by CRL, expiry and rule change');

$node->stop;
done_testing();
