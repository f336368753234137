# 921_attack_uncounted_rule_changes.pl -- every change that moves what the
# rules give is counted at once (SPEC 5 step 8, SPEC 7), including the
# ones that fire no ordinary trigger.  Reproduces the adversarial review's
# finding as written (rules changed by logical replication apply, or under
# session_replication_role = replica, left the published rules stale for up
# to a minute; so did a new owner of pg_autouser.database or of the
# extension, which the forbidden list judges by), then the variants:
# ALTER DATABASE ... OWNER TO, REASSIGN OWNED, open sessions.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('uncounted');
$node->safe_psql('postgres', q{
	CREATE ROLE reader NOLOGIN;
	CREATE EXTENSION pg_autouser;
	SELECT autouser.add_rule('*', ARRAY['reader']);
});
AutouserTest::wait_for_workers($node, 2);
sub sq { return $node->safe_psql('postgres', $_[0]); }
sub cs { return AutouserTest::cert_connstr($node, AutouserTest::client_cert(cn => $_[0]), $_[0]); }

$node->connect_ok(cs('alice'), 'alice is provisioned: the rules are published');

# --- as reported: session_replication_role = replica ------------------------
sq('SET session_replication_role = replica; DELETE FROM autouser.rules');
$node->connect_fails(cs('bob'), 'rules deleted under session_replication_role = replica no longer admit anybody',
	expected_stderr => qr/role "bob" does not exist/);
sq(q{SET session_replication_role = replica;
	INSERT INTO autouser.rules (identity, roles) VALUES ('carol', '{reader}')});
$node->connect_ok(cs('carol'), 'and a rule inserted so admits at once');
sq('DELETE FROM autouser.rules');

# --- as reported: logical replication apply ---------------------------------
my $pub = AutouserTest::start_node('publisher', conf => "wal_level = logical\nmax_wal_senders = 4\nmax_replication_slots = 4\n");
$pub->safe_psql('postgres', q{
	CREATE ROLE reader NOLOGIN;
	CREATE EXTENSION pg_autouser;
	SELECT setval('autouser.rules_id_seq', 1000);
	CREATE PUBLICATION rules FOR TABLE autouser.rules;
});
(my $pub_connstr = $pub->connstr('postgres')) =~ s/'/''/g;
sq("CREATE SUBSCRIPTION rules CONNECTION '$pub_connstr' PUBLICATION rules WITH (copy_data = false)");
$node->poll_query_until('postgres',
	"SELECT count(*) > 0 AND bool_and(srsubstate = 'r') FROM pg_subscription_rel")
  or die 'the subscription did not start';
$pub->safe_psql('postgres', q{SELECT autouser.add_rule('dave', ARRAY['reader'])});
$node->poll_query_until('postgres', "SELECT count(*) = 1 FROM autouser.rules WHERE identity = 'dave'")
  or die 'the rule did not replicate';
$node->connect_ok(cs('dave'), 'a rule replicated by logical replication admits at once');
$pub->safe_psql('postgres', q{DELETE FROM autouser.rules WHERE identity = 'dave'});
$node->poll_query_until('postgres', "SELECT count(*) = 0 FROM autouser.rules WHERE identity = 'dave'")
  or die 'the delete did not replicate';
$node->connect_fails(cs('dave'), 'and its replicated removal refuses at once');
sq('DROP SUBSCRIPTION rules');
$pub->stop;

# --- a new owner of pg_autouser.database --------------------------------------
sq(q{SELECT autouser.add_rule('*', ARRAY['reader'])});
$node->connect_ok(cs('alice'), 'alice logs in with reader');
my $session = AutouserTest::open_session(cs('alice'));
my $pid = $session->query_safe('SELECT pg_backend_pid()');
my $superuser = sq('SELECT current_user');
sq('ALTER DATABASE postgres OWNER TO reader');
$node->connect_fails(cs('alice'), 'once reader owns the database, a login that would get it is refused at once',
	expected_stderr => qr/may not be granted by pg_autouser/);
ok($node->poll_query_until('postgres', "SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = $pid"),
	'and alice\'s open session, which holds reader, is ended');
eval { $session->quit };
sq("REASSIGN OWNED BY reader TO $superuser");
is(sq("SELECT datdba::regrole FROM pg_database WHERE datname = 'postgres'"), $superuser,
	'REASSIGN OWNED gives the database back');
$node->connect_ok(cs('alice'), 'and that counts at once too');

# --- a new owner of the extension (REASSIGN OWNED) ----------------------------
sq(q{CREATE ROLE admin2 SUPERUSER; DROP EXTENSION pg_autouser; DROP SCHEMA autouser;
	SET ROLE admin2; CREATE EXTENSION pg_autouser; SELECT autouser.add_rule('*', ARRAY['reader'])});
$node->connect_ok(cs('alice'), 'alice logs in under the new install');
$session = AutouserTest::open_session(cs('alice'));
$pid = $session->query_safe('SELECT pg_backend_pid()');
sq('REASSIGN OWNED BY admin2 TO reader');
is(sq("SELECT extowner::regrole || ' ' || nspowner::regrole FROM pg_extension JOIN pg_namespace n"
	  . " ON n.oid = extnamespace WHERE extname = 'pg_autouser'"), 'reader reader',
	'REASSIGN OWNED moved the extension and its schema to reader');
$node->connect_fails(cs('alice'), 'once reader owns the extension, a login that would get it is refused at once',
	expected_stderr => qr/may not be granted by pg_autouser/);
ok($node->poll_query_until('postgres', "SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = $pid"),
	'and alice\'s open session is ended');
eval { $session->quit };
$node->stop;
done_testing();
