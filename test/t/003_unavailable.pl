# 003_unavailable.pl -- the extension inert (not created, database missing,
# not preloaded, disabled) and logins that need a write it cannot make now
# (workers stopped: timeout, also under a short authentication_timeout).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

sub cert { return AutouserTest::client_cert(@_); }

# --- preloaded, extension not created: inert -------------------------------
my $node = AutouserTest::start_node('inert', conf => "pg_autouser.cleanup = off\n");
$node->safe_psql('postgres', 'CREATE ROLE ann LOGIN; CREATE ROLE reader NOLOGIN;');
AutouserTest::wait_for_workers($node, 2);
my $ann = cert(cn => 'ann');
my $newbie = cert(cn => 'newbie');
$node->connect_ok(AutouserTest::cert_connstr($node, $ann, 'ann'),
	'no extension: an existing role logs in as in plain PostgreSQL');
$node->connect_fails(AutouserTest::cert_connstr($node, $newbie, 'newbie'),
	'no extension: a new identity is refused with 57P03 and a hint',
	expected_stderr => qr/cannot provision role "newbie" now.*HINT:  Run CREATE EXTENSION pg_autouser in database "postgres"/s);
ok($node->log_contains(qr/pg_autouser is inert: the extension is not created in database "postgres"/),
	'the server log says why nothing is provisioned');

# No wait needed: a committed rule change counts for the very next login.
$node->safe_psql('postgres', q{CREATE EXTENSION pg_autouser; SELECT autouser.add_rule('*', ARRAY['reader']);});
$node->connect_ok(AutouserTest::cert_connstr($node, $newbie, 'newbie'),
	'after CREATE EXTENSION the new identity is provisioned');

# --- workers stopped: bounded wait, then 57P03 -----------------------------
$node->append_conf('postgresql.conf', "pg_autouser.provision_timeout = '1s'\n");
$node->reload;
$node->poll_query_until('postgres', "SELECT current_setting('pg_autouser.provision_timeout') = '1s'");
my @workers = AutouserTest::worker_pids($node);
kill 'STOP', @workers;
my $slow = cert(cn => 'slowpoke');
$node->connect_fails(AutouserTest::cert_connstr($node, $slow, 'slowpoke'),
	'workers stopped: the login fails with 57P03 after provision_timeout',
	expected_stderr => qr/cannot provision role "slowpoke" now.*did not finish within pg_autouser.provision_timeout/s,
	log_like => [qr/No pg_autouser worker answered within 1000 ms/]);
$node->connect_ok(AutouserTest::cert_connstr($node, $newbie, 'newbie'),
	'workers stopped: an active managed role still gets the fast path');

# authentication_timeout shorter than provision_timeout: still a real answer.
$node->append_conf('postgresql.conf', "pg_autouser.provision_timeout = '30s'\nauthentication_timeout = '2s'\n");
$node->reload;
$node->poll_query_until('postgres', "SELECT current_setting('authentication_timeout') = '2s'");
$node->connect_fails(AutouserTest::cert_connstr($node, $slow, 'slowpoke'),
	'the wait ends before authentication_timeout and the client is told why',
	expected_stderr => qr/cannot provision role "slowpoke" now/);
kill 'CONT', @workers;
$node->connect_ok(AutouserTest::cert_connstr($node, $slow, 'slowpoke'),
	'workers resumed: the identity is provisioned');

# --- pg_autouser.enabled = off -----------------------------------------------
$node->append_conf('postgresql.conf', "pg_autouser.enabled = off\n");
$node->reload;
$node->poll_query_until('postgres', "SELECT current_setting('pg_autouser.enabled') = 'off'");
$node->connect_fails(AutouserTest::cert_connstr($node, cert(cn => 'offline'), 'offline'),
	'disabled: a new identity is not provisioned',
	expected_stderr => qr/role "offline" does not exist/);
$node->stop;

# --- pg_autouser.database does not exist ------------------------------------
my $nodb = AutouserTest::start_node('nodb', conf => "pg_autouser.database = 'nosuchdb'\n");
$nodb->safe_psql('postgres', 'CREATE ROLE ann LOGIN;');
ok($nodb->wait_for_log(qr/database "nosuchdb" does not exist\n.*HINT:  The pg_autouser workers cannot connect to pg_autouser.database/),
	'the log says the workers cannot connect');
$nodb->connect_ok(AutouserTest::cert_connstr($nodb, $ann, 'ann'),
	'missing database: an existing role logs in as in plain PostgreSQL');
$nodb->connect_fails(AutouserTest::cert_connstr($nodb, $newbie, 'newbie'),
	'missing database: a new identity fails fast with 57P03',
	expected_stderr => qr/cannot provision role "newbie" now.*cannot connect to database "nosuchdb"/s);
$nodb->stop;

# --- not preloaded --------------------------------------------------------------
my $plain = AutouserTest::start_node('plain', preload => '');
$plain->safe_psql('postgres', 'CREATE ROLE ann LOGIN;');
my ($ret, $out, $err) = $plain->psql('postgres', 'CREATE EXTENSION pg_autouser');
isnt($ret, 0, 'CREATE EXTENSION without preload fails');
like($err, qr/pg_autouser must be loaded via shared_preload_libraries/, 'and says what to change');
$plain->connect_ok(AutouserTest::cert_connstr($plain, $ann, 'ann'),
	'without preload certificate logins are plain PostgreSQL');
$plain->stop;

done_testing();
