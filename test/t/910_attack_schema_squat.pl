# 910_attack_schema_squat.pl -- the owner of pg_autouser.database never
# reaches SUPERUSER through schema "autouser" (SPEC 6).  Reproduces the
# adversarial review's critical finding as written (the database owner
# creates schema autouser before CREATE EXTENSION, which adopts it; it then
# renames it away and plants its own autouser.rules for the workers to read
# as the extension owner), then closes the class: CREATE EXTENSION and
# ALTER EXTENSION UPDATE refuse a schema that is not the installer's, grants
# CREATE to others or holds anything; the workers act only while "autouser"
# is the extension's own schema, owned by its owner; and the database owner
# can neither rename, take, fill nor alter what the extension installed.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('squat', conf => "pg_autouser.database = 'authdb'\n");
$node->safe_psql('postgres', q{
	CREATE ROLE dbo LOGIN;
	CREATE DATABASE authdb OWNER dbo;
	CREATE ROLE reader NOLOGIN;
});
sub sq { return $node->safe_psql('authdb', $_[0]); }
sub as_dbo { return $node->psql('authdb', $_[0], extra_params => [ '-U', 'dbo' ]); }
sub cs { return AutouserTest::cert_connstr($node, AutouserTest::client_cert(cn => $_[0]), $_[0], 'authdb'); }
sub dbo_is_super { return $node->safe_psql('postgres', "SELECT rolsuper FROM pg_roles WHERE rolname = 'dbo'"); }

# What the database owner plants once "autouser" is a schema of its own: a
# rules view and an events table whose trigger makes it SUPERUSER when a
# more privileged role reads or writes them.
my $plant = q{
	CREATE SCHEMA autouser;
	CREATE FUNCTION autouser.escalate() RETURNS bigint LANGUAGE plpgsql AS $$
	BEGIN
		IF current_user <> 'dbo' THEN
			EXECUTE 'ALTER ROLE dbo SUPERUSER';
		END IF;
		RETURN 1;
	END $$;
	CREATE VIEW autouser.rules AS
		SELECT autouser.escalate() AS id, '*'::text AS identity, '*'::text AS database,
		       NULL::text AS cert_ou, ARRAY['reader']::text[] AS roles, true AS enabled;
	CREATE TABLE autouser.events (at timestamptz, identity text, role text, database text,
		action text, roles text[], detail text, pid integer);
	CREATE FUNCTION autouser.escalate_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN PERFORM autouser.escalate(); RETURN NEW; END $$;
	CREATE TRIGGER escalate BEFORE INSERT ON autouser.events
		FOR EACH ROW EXECUTE FUNCTION autouser.escalate_trigger();
	GRANT USAGE ON SCHEMA autouser TO PUBLIC;
	GRANT SELECT ON autouser.rules TO PUBLIC;
	GRANT ALL ON autouser.events TO PUBLIC;
};

# --- as reported: the database owner prepares the ground ---------------------
my ($ret, $out, $err) = as_dbo('CREATE SCHEMA autouser');
is($ret, 0, 'the database owner can create a schema named autouser') or diag($err);
($ret, $out, $err) = $node->psql('authdb', 'CREATE EXTENSION pg_autouser');
isnt($ret, 0, 'CREATE EXTENSION refuses a schema autouser the database owner made');
like($err, qr/schema "autouser" is owned by role "dbo".*HINT:  Drop schema "autouser"/s,
	'and says whose it is and what to do');
is(sq("SELECT count(*) FROM pg_extension WHERE extname = 'pg_autouser'"), '0', 'no extension was created');
if ($ret == 0)
{
	# The unfixed extension went ahead: the rest of the attack as reported.
	sq(q{SELECT autouser.add_rule('*', ARRAY['reader'])});
	AutouserTest::wait_for_workers($node, 2);
	as_dbo("ALTER SCHEMA autouser RENAME TO autouser_real; $plant");
	$node->connect_ok(cs('victim'), 'a first login after the swap');
	$node->poll_query_until('postgres', "SELECT rolsuper FROM pg_roles WHERE rolname = 'dbo'", 't');
	is(dbo_is_super(), 'f', 'SPEC 6: the database owner does not become SUPERUSER');
	$node->stop;
	done_testing();
	exit;
}

# The schema is refused also when it holds objects or grants CREATE.
sq(q{ALTER SCHEMA autouser OWNER TO CURRENT_USER; GRANT CREATE ON SCHEMA autouser TO dbo});
($ret, $out, $err) = $node->psql('authdb', 'CREATE EXTENSION pg_autouser');
like($err, qr/schema "autouser" grants CREATE to role "dbo"/, 'a schema others may create in is refused');
sq(q{REVOKE CREATE ON SCHEMA autouser FROM dbo; GRANT CREATE ON SCHEMA autouser TO PUBLIC});
($ret, $out, $err) = $node->psql('authdb', 'CREATE EXTENSION pg_autouser');
like($err, qr/schema "autouser" grants CREATE to PUBLIC/, 'so is one everybody may create in');
sq(q{REVOKE CREATE ON SCHEMA autouser FROM PUBLIC; CREATE VIEW autouser.rules AS SELECT 1 AS id});
($ret, $out, $err) = $node->psql('authdb', 'CREATE EXTENSION pg_autouser');
like($err, qr/schema "autouser" is not empty.*DETAIL:  It holds view autouser.rules/s,
	'and one that holds an object already');
sq('DROP VIEW autouser.rules');
($ret, $out, $err) = $node->psql('authdb', 'CREATE EXTENSION pg_autouser');
is($ret, 0, "an empty schema of the installer's own is used") or diag($err);
sq('DROP EXTENSION pg_autouser; DROP SCHEMA autouser');

# As documented, into a schema CREATE EXTENSION makes.
sq(q{CREATE EXTENSION pg_autouser; SELECT autouser.add_rule('*', ARRAY['reader'])});
AutouserTest::wait_for_workers($node, 2);
$node->connect_ok(cs('alice'), 'alice is provisioned');

# --- what the database owner cannot do to the installed extension -------------
for my $try (
	[ 'ALTER SCHEMA autouser RENAME TO autouser_real', 'rename the schema' ],
	[ 'ALTER SCHEMA autouser OWNER TO dbo', 'take the schema' ],
	[ 'CREATE TABLE autouser.squat ()', 'create in the schema' ],
	[ 'DROP SCHEMA autouser CASCADE', 'drop the schema' ],
	[ 'ALTER TABLE autouser.rules RENAME TO old_rules', 'rename the rules table' ],
	[ 'ALTER TABLE autouser.rules DISABLE TRIGGER rules_changed', 'disable the rules trigger' ],
	[ 'ALTER FUNCTION autouser.add_rule(text, text[], text, text, text, jsonb) SECURITY DEFINER',
		'alter add_rule' ],
	[ q{CREATE FUNCTION pg_temp.f() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
		CREATE EVENT TRIGGER squat ON ddl_command_start EXECUTE FUNCTION pg_temp.f()},
		'create an event trigger that would fire on the workers\' statements' ],
	[ 'DROP EXTENSION pg_autouser', 'drop the extension' ])
{
	($ret, $out, $err) = as_dbo($try->[0]);
	isnt($ret, 0, "the database owner cannot $try->[1]");
}
is(sq("SELECT nspname || ' ' || nspowner::regrole FROM pg_namespace n JOIN pg_extension e"
	  . " ON e.extnamespace = n.oid WHERE extname = 'pg_autouser'"), 'autouser ' . sq('SELECT current_user'),
	'the schema is still the extension\'s own');

# --- at run time: a schema handed over (or left over from an older install) ---
# A superuser gives the schema to the database owner, who swaps in its own.
sq('ALTER SCHEMA autouser OWNER TO dbo');
($ret, $out, $err) = as_dbo("ALTER SCHEMA autouser RENAME TO autouser_real; $plant");
is($ret, 0, 'the owner of the schema can swap it') or diag($err);
$node->connect_fails(cs('bob'), 'a first login is refused while the schema is not the extension\'s',
	expected_stderr => qr/cannot provision role "bob" now/);
$node->connect_fails(cs('alice'), 'and so is a managed role\'s: the rename made the published rules stale');
ok(AutouserTest::wait_for_log_count($node,
	qr/pg_autouser is inert: schema "autouser" is not the one extension "pg_autouser" was created in/, 1),
	'the workers say why they do nothing');
sleep 2;
is(dbo_is_super(), 'f', 'SPEC 6: the workers read nothing the database owner planted');

# Put back: the extension's schema, owned by another role than its owner.
as_dbo('DROP SCHEMA autouser CASCADE; ALTER SCHEMA autouser_real RENAME TO autouser');
$node->connect_fails(cs('carol'), 'a schema owned by another role than the extension\'s is not used either');
ok(AutouserTest::wait_for_log_count($node,
	qr/pg_autouser is inert: schema "autouser" is owned by role "dbo", not by the extension's owner/, 1),
	'and the workers say so');
($ret, $out, $err) = $node->psql('authdb', q{SELECT autouser.add_rule('carol', ARRAY['reader'])});
like($err, qr/schema "autouser" is owned by role "dbo", not by the extension's owner/,
	'functions that act with the extension owner\'s rights refuse too');
sq('ALTER SCHEMA autouser OWNER TO CURRENT_USER');
$node->connect_ok(cs('carol'), 'once the schema is the extension\'s owner\'s again, logins are provisioned');
$node->connect_ok(cs('alice'), 'alice too');
is(dbo_is_super(), 'f', 'the database owner never became SUPERUSER');
$node->stop;

# --- ALTER EXTENSION UPDATE of an install whose schema is not its own ---------
my $old = AutouserTest::start_node('squat_update');
$old->safe_psql('postgres', q{
	CREATE ROLE dbo LOGIN;
	CREATE EXTENSION pg_autouser VERSION '1.0';
	ALTER SCHEMA autouser OWNER TO dbo;
});
($ret, $out, $err) = $old->psql('postgres', 'ALTER EXTENSION pg_autouser UPDATE');
isnt($ret, 0, 'ALTER EXTENSION UPDATE refuses a schema owned by another role than the extension\'s');
like($err, qr/schema "autouser" is owned by role "dbo"/, 'and says so');
$old->safe_psql('postgres', 'ALTER SCHEMA autouser OWNER TO CURRENT_USER; CREATE TABLE autouser.mine ()');
($ret, $out, $err) = $old->psql('postgres', 'ALTER EXTENSION pg_autouser UPDATE');
like($err, qr/schema "autouser" is not empty.*It holds table autouser.mine/s,
	'or one that holds objects that are not the extension\'s');
$old->safe_psql('postgres', 'DROP TABLE autouser.mine');
($ret, $out, $err) = $old->psql('postgres', 'ALTER EXTENSION pg_autouser UPDATE');
is($ret, 0, 'and updates one that is the extension\'s own') or diag($err);
$old->stop;
done_testing();
