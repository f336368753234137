# 030_attack_delegate.pl -- no path from a granted right to more rights
# (SPEC 4 last bullets, SPEC 6 trust boundary).  Reproduces the security
# review's findings 1 and 2 as written (a delegate with EXECUTE on sweep()
# or deactivate() and an operator in its own schema; the owner of
# pg_autouser.database steering the workers with ALTER DATABASE ... SET),
# then closes the class: every function of the autouser schema, called by a
# granted non-superuser under a search_path that shadows every operator and
# function the extension's SQL uses, and the workers under hostile database
# and role settings, while they create, reactivate, clean, sweep, purge and
# drop.  Nothing may escalate and no trap may run.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('delegate',
	conf => "pg_autouser.admin_role = 'provisioner'\npg_autouser.event_retention = 1\n");
$node->safe_psql('postgres', q{
	CREATE ROLE provisioner NOLOGIN CREATEROLE;
	CREATE ROLE reader NOLOGIN;
	CREATE EXTENSION pg_autouser;
	SELECT autouser.add_rule('*', ARRAY['reader']);
	CREATE ROLE helpdesk LOGIN;
	CREATE SCHEMA hd AUTHORIZATION helpdesk;
	GRANT USAGE ON SCHEMA autouser TO helpdesk;
	GRANT EXECUTE ON FUNCTION autouser.sweep() TO helpdesk;
	GRANT EXECUTE ON FUNCTION autouser.deactivate(name, boolean) TO helpdesk;
});
AutouserTest::wait_for_workers($node, 2);
AutouserTest::grant_admin_option($node, 'provisioner', 'reader');

sub cs { return AutouserTest::cert_connstr($node, @_); }
sub sq { return $node->safe_psql('postgres', $_[0]); }
sub is_super { return sq("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = '$_[0]'"); }

# An event older than the retention, so that the purge has work.
my $alice = AutouserTest::client_cert(cn => 'alice');
$node->connect_ok(cs($alice, 'alice'), 'alice is provisioned');
$node->poll_query_until('postgres', "SELECT NOT rolcanlogin FROM pg_roles WHERE rolname = 'alice'");
sq("UPDATE autouser.events SET at = now() - interval '1 day'");

# --- finding 1, as reported: an operator trap and EXECUTE on sweep() -------
sq(q{
	CREATE FUNCTION hd.sub(timestamptz, interval) RETURNS timestamptz LANGUAGE plpgsql AS $$
	BEGIN
		IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
			EXECUTE 'ALTER ROLE helpdesk SUPERUSER';
		END IF;
		RETURN $1 OPERATOR(pg_catalog.-) $2;
	END $$;
	ALTER FUNCTION hd.sub(timestamptz, interval) OWNER TO helpdesk;
	SET ROLE helpdesk;
	CREATE OPERATOR hd.- (LEFTARG = timestamptz, RIGHTARG = interval, FUNCTION = hd.sub);
});
my ($ret, $out, $err) = $node->psql('postgres',
	'SET search_path = hd, pg_catalog; SELECT autouser.sweep();',
	extra_params => [ '-U', 'helpdesk' ]);
is($ret, 0, 'the delegate can run sweep()');
is(is_super('helpdesk'), 'f', 'finding 1: sweep() under a trapping search_path makes nobody superuser');
is(sq("SELECT count(*) FROM autouser.events WHERE at < now() - interval '1 hour'"), '0',
	'and the purge still did its job');

# The same through deactivate(role, true) and an "=" on (oid, oid).
$node->connect_ok(cs($alice, 'alice'), 'alice logs in again');
my $held = AutouserTest::open_session(cs($alice, 'alice'));
sq(q{
	CREATE FUNCTION hd.eq(oid, oid) RETURNS boolean LANGUAGE plpgsql AS $$
	BEGIN
		IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
			EXECUTE 'ALTER ROLE helpdesk SUPERUSER';
		END IF;
		RETURN $1 OPERATOR(pg_catalog.=) $2;
	END $$;
	ALTER FUNCTION hd.eq(oid, oid) OWNER TO helpdesk;
	SET ROLE helpdesk;
	CREATE OPERATOR hd.= (LEFTARG = oid, RIGHTARG = oid, FUNCTION = hd.eq);
});
($ret, $out, $err) = $node->psql('postgres',
	"SET search_path = hd, pg_catalog; SELECT autouser.deactivate('alice', true);",
	extra_params => [ '-U', 'helpdesk' ]);
is($ret, 0, 'the delegate can run deactivate(alice, true)') or diag($err);
is(is_super('helpdesk'), 'f', 'finding 1: deactivate() under a trapping search_path makes nobody superuser');
is(sq("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'alice'"), 'f', 'and alice was deactivated');
$held->quit;

# --- the class: every function, every operator the SQL uses -----------------
sq('CREATE ROLE mallet LOGIN');
AutouserTest::install_traps($node, 'postgres', 'trap', 'mallet');
sq(q{
	GRANT USAGE ON SCHEMA autouser TO mallet;
	GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA autouser TO mallet;
	GRANT SELECT ON ALL TABLES IN SCHEMA autouser TO mallet;
	GRANT INSERT, DELETE ON autouser.rules TO mallet;
	GRANT USAGE ON SEQUENCE autouser.rules_id_seq TO mallet;
});
# A control: the traps do fire when more rights than mallet's run them.
sq(q{SET search_path = trap, pg_catalog; SELECT count(*) FROM pg_class WHERE now() > now() - interval '1 s'});
like(AutouserTest::traps_fired($node, 'postgres', 'trap'), qr/operator/, 'control: a superuser\'s unqualified SQL springs a trap');
is(is_super('mallet'), 't', 'control: and the trap made mallet superuser');
sq('ALTER ROLE mallet NOSUPERUSER NOCREATEROLE; DELETE FROM trap.fired');
$node->connect_ok(cs($alice, 'alice'), 'alice is active again');
my $rule = sq("SELECT autouser.add_rule('victim', ARRAY['reader'])");

# One call per function; the list must cover every function in the schema.
my %calls = (
	'add_rule' => "SELECT autouser.add_rule('bob*', ARRAY['reader'], 'postgres', NULL, 'trap test',"
	  . " '{\"connection_limit\": 4, \"settings\": {\"statement_timeout\": \"1min\"}}')",
	'drop_rule' => "SELECT autouser.drop_rule($rule)",
	'preview' => "SELECT autouser.preview('carol', 'postgres', '{\"OU\": [\"eng\"]}')",
	'preview_options' => "SELECT autouser.preview_options('carol', 'postgres', '{\"OU\": [\"eng\"]}')",
	'deactivate' => "SELECT autouser.deactivate('alice', true)",
	'sweep' => 'SELECT autouser.sweep()',
	'stats_reset' => 'SELECT autouser.stats_reset()',
	'_check_install' => 'SELECT autouser._check_install()',
	'_check_rule' => "SELECT autouser._check_rule('x', ARRAY['reader'], '*', NULL)",
	'_preview' => "SELECT autouser._preview('carol', 'postgres', ARRAY['OU'], ARRAY['eng'])",
	'_attrs' => "SELECT autouser._attrs('{\"OU\": [\"eng\"]}')",
	'_preview_options' => "SELECT autouser._preview_options('carol', 'postgres', ARRAY['OU'], ARRAY['eng'])",
	# A trigger function: fires for add_rule's INSERT above; called, it refuses.
	'_check_rule_options' => 'SELECT autouser._check_rule_options()',
	'_session_count' => "SELECT autouser._session_count('alice'::regrole)",
	'_stats' => 'SELECT count(*) FROM autouser._stats()',
	'_sessions' => 'SELECT count(*) FROM autouser._sessions()',
	'_node_name' => 'SELECT autouser._node_name()',
	'_provision_for_standby' => "SELECT count(*) FROM autouser._provision_for_standby('n1', 'zed', 'postgres', '{OU,eng,CN,zed}')",
	'_renew_leases' => q{SELECT autouser._renew_leases('n1', '[{"pid": 42, "role": "alice"}]')},
	'_rules_changed' => 'SELECT autouser._rules_changed()',
);
my @functions = split /\n/, sq(
	"SELECT proname FROM pg_proc WHERE pronamespace = 'autouser'::regnamespace ORDER BY 1");
is(join(',', grep { !exists $calls{$_} } @functions), '',
	'every function of the autouser schema has a call in this test');
# alice holds a session, so that deactivate(alice, true) has work to do.
my $alice_held = AutouserTest::hold(cs($alice, 'alice'));
is($alice_held->{first}, 'READY', 'alice holds a session for deactivate() to end');
for my $f (@functions)
{
	($ret, $out, $err) = $node->psql('postgres',
		"SET search_path = trap, pg_catalog, public; $calls{$f}",
		extra_params => [ '-U', 'mallet' ]);
	is(AutouserTest::traps_fired($node, 'postgres', 'trap'), '',
		"$f as a granted non-superuser under a trapping search_path runs no trap");
}
is(sq("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'alice'"), 'f',
	'deactivate(alice, true) did its work under the traps');
$alice_held->close;
for my $view (qw(users events stats rules sessions standby_sessions))
{
	$node->psql('postgres', "SET search_path = trap, pg_catalog; SELECT * FROM autouser.$view",
		extra_params => [ '-U', 'mallet' ]);
}
is(AutouserTest::traps_fired($node, 'postgres', 'trap'), '', 'reading every view and table runs no trap');
is(sq("SELECT count(*) FROM pg_roles WHERE rolname = 'zed'") . sq('SELECT count(*) FROM autouser.standby_sessions'),
	'00', 'a delegate granted EXECUTE on the standby functions can neither provision nor take a lease');

# The standby functions as the admin role itself, which may call them, under
# a trapping search_path: the lease and provisioning SQL runs no trap either.
sq(q{ALTER ROLE provisioner LOGIN; GRANT USAGE ON SCHEMA autouser TO provisioner;
	GRANT EXECUTE ON FUNCTION autouser._provision_for_standby(text, text, text, text[]),
		autouser._renew_leases(text, jsonb) TO provisioner});
($ret, $out, $err) = $node->psql('postgres',
	q{SET search_path = trap, pg_catalog, public;
	  SELECT autouser._renew_leases('n1', '[{"pid": 42, "role": "alice", "database": "postgres"}]');
	  SELECT outcome FROM autouser._provision_for_standby('n1', 'zed', 'postgres', '{OU,eng,CN,zed}');
	  SELECT autouser._renew_leases('n1', '[]');},
	extra_params => [ '-U', 'provisioner' ]);
is($ret, 0, 'the admin role can call the standby functions') or diag $err;
like($out, qr/^1\n\w+\n0$/, 'and they do their job');
is(AutouserTest::traps_fired($node, 'postgres', 'trap'), '', 'the standby functions run no trap');
is(sq("SELECT rolsuper FROM pg_roles WHERE rolname = 'provisioner'"), 'f', 'the admin role gained no SUPERUSER');
sq(q{ALTER ROLE provisioner NOLOGIN; DELETE FROM autouser.standby_sessions});
is(is_super('mallet'), 'f', 'mallet gained no SUPERUSER or CREATEROLE');

# --- the workers under hostile database and role settings -------------------
# The test's own sessions override them (client options beat database and
# role settings); the workers cannot.
$ENV{PGOPTIONS} = '-c search_path=pg_catalog,public -c default_transaction_read_only=off -c statement_timeout=0';
sq(q{
	ALTER DATABASE postgres SET search_path = trap, pg_catalog, public;
	ALTER ROLE provisioner SET search_path = trap, pg_catalog, public;
	ALTER ROLE postgres SET search_path = trap, pg_catalog, public;
	ALTER DATABASE postgres SET default_transaction_read_only = on;
	ALTER DATABASE postgres SET statement_timeout = 1;
});
# The purge below waits for a periodic sweep: the default minute is the
# whole of a poll's patience, and a loaded machine missed it.
$node->append_conf('postgresql.conf', "pg_autouser.sweep_interval = 5\n");
$node->restart;
AutouserTest::wait_for_workers($node, 2);
sq("UPDATE autouser.events SET at = now() - interval '1 day'");
my $bob = AutouserTest::client_cert(cn => 'bob');
$node->connect_ok(cs($bob, 'bob'), 'hostile settings: a first login still works');
ok($node->poll_query_until('postgres', "SELECT NOT rolcanlogin FROM pg_roles WHERE rolname = 'bob'"),
	'hostile settings: the cleanup still works');
$node->connect_ok(cs($bob, 'bob'), 'hostile settings: a reactivation works');
$node->poll_query_until('postgres', "SELECT NOT rolcanlogin FROM pg_roles WHERE rolname = 'bob'");
$node->connect_fails(cs(AutouserTest::client_cert(cn => 'helpdesk'), 'helpdesk'),
	'hostile settings: a refusal is still made');
ok($node->poll_query_until('postgres',
	"SELECT count(*) > 0 FROM autouser.events WHERE action = 'reject' AND identity = 'helpdesk'"),
	'hostile settings: and recorded');
AutouserTest::set_conf($node, 'pg_autouser.cleanup', 'drop');
$node->connect_ok(cs(AutouserTest::client_cert(cn => 'dropme'), 'dropme'), 'a role to drop');
ok($node->poll_query_until('postgres', "SELECT count(*) = 0 FROM pg_roles WHERE rolname = 'dropme'"),
	'hostile settings: a drop still works');
ok($node->poll_query_until('postgres',
	"SELECT count(*) = 0 FROM autouser.events WHERE at < now() - interval '1 hour'"),
	'hostile settings: the purge still works');
is(AutouserTest::traps_fired($node, 'postgres', 'trap'), '',
	'workers under hostile ALTER DATABASE/ROLE ... SET run no trap');
is(is_super('mallet'), 'f', 'and nobody escalated');
$node->stop;
delete $ENV{PGOPTIONS};

# --- finding 2: the owner of pg_autouser.database ----------------------------
my $app = AutouserTest::start_node('dbowner', conf => "pg_autouser.database = 'app'\n");
$app->safe_psql('postgres', q{
	CREATE ROLE appowner LOGIN;
	CREATE DATABASE app OWNER appowner;
});
$app->safe_psql('app', q{
	CREATE EXTENSION pg_autouser;
	CREATE ROLE reader NOLOGIN;
	SELECT autouser.add_rule('*', ARRAY['reader']);
});
$app->safe_psql('app', q{
	CREATE SCHEMA x AUTHORIZATION appowner;
	SET ROLE appowner;
	CREATE FUNCTION x.sub(timestamptz, interval) RETURNS timestamptz LANGUAGE plpgsql AS $$
	BEGIN
		IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
			EXECUTE 'ALTER ROLE appowner SUPERUSER';
		END IF;
		RETURN $1 OPERATOR(pg_catalog.-) $2;
	END $$;
	CREATE OPERATOR x.- (LEFTARG = timestamptz, RIGHTARG = interval, FUNCTION = x.sub);
	ALTER DATABASE app SET search_path = x, pg_catalog;
});
# The test's own (superuser) sessions must not walk into the trap.
$ENV{PGOPTIONS} = '-c search_path=pg_catalog';
$app->safe_psql('app', "INSERT INTO autouser.events (at, action) VALUES (now() - interval '60 days', 'sweep')");
$app->restart;
$app->poll_query_until('app', "SELECT count(*) = 0 FROM autouser.events WHERE at < now() - interval '59 days'")
  or diag('the startup purge did not run');
is($app->safe_psql('app', "SELECT rolsuper FROM pg_roles WHERE rolname = 'appowner'"), 'f',
	"finding 2: the database owner's search_path does not make it superuser through the workers");
$app->connect_ok(AutouserTest::cert_connstr($app, AutouserTest::client_cert(cn => 'eve'), 'eve', 'app'),
	'provisioning still works in that database');
is($app->safe_psql('app', "SELECT rolsuper FROM pg_roles WHERE rolname = 'appowner'"), 'f',
	'and a provisioning makes nobody superuser either');
$app->stop;
delete $ENV{PGOPTIONS};
done_testing();
