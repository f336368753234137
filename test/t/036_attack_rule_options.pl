# 036_attack_rule_options.pl -- rule options never widen rights (issue 14,
# SPEC 6).  A delegate that may add rules (EXECUTE on add_rule, INSERT and
# UPDATE on autouser.rules) tries to reach further through options:
# superuser-only settings that hide or bypass things (log_statement,
# session_replication_role, lo_compat_privileges), settings naming a role,
# libraries loaded into other people's sessions, a search_path into a
# schema it owns (its functions would run as the victim), pg_temp, name
# and value injection into the ALTER ROLE the workers run, extension
# settings, the trigger's bypasses, and options aimed at roles pg_autouser
# does not manage.  A managed user tries to lift its own options.  Each is
# refused with 22023 (or by PostgreSQL), and no role ends up with more.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('attack_options',
	conf => "pg_autouser.admin_role = 'provisioner'\n");
$node->safe_psql('postgres', q{
	CREATE ROLE provisioner NOLOGIN CREATEROLE;
	CREATE ROLE reader NOLOGIN;
	CREATE ROLE admins NOLOGIN SUPERUSER;
	CREATE ROLE legacy LOGIN;
	CREATE ROLE dba LOGIN SUPERUSER;
	CREATE TABLE reader_only (x int);
	GRANT SELECT ON reader_only TO reader;
	CREATE EXTENSION pg_autouser;
	CREATE ROLE helpdesk LOGIN;
	CREATE SCHEMA hd AUTHORIZATION helpdesk;
	GRANT USAGE ON SCHEMA autouser TO helpdesk;
	GRANT EXECUTE ON FUNCTION autouser.add_rule(text, text[], text, text, text, jsonb),
	                          autouser._check_rule(text, text[], text, text) TO helpdesk;
	GRANT SELECT, INSERT, UPDATE ON autouser.rules TO helpdesk;
	GRANT USAGE ON SEQUENCE autouser.rules_id_seq TO helpdesk;
});
AutouserTest::wait_for_workers($node, 2);
AutouserTest::grant_admin_option($node, 'provisioner', 'reader');
sub cs { return AutouserTest::cert_connstr($node, @_); }
sub sq { return $node->safe_psql('postgres', $_[0]); }
sub rules { return sq('SELECT count(*) FROM autouser.rules'); }

# Runs sql as helpdesk; returns "ok" or "SQLSTATE message".
sub as_helpdesk
{
	my ($sql) = @_;
	my ($ret, $out, $err) = $node->psql('postgres', "\\set VERBOSITY verbose\n$sql",
		extra_params => [ '-U', 'helpdesk' ]);
	return 'ok' if $ret == 0;
	my ($state, $msg) = $err =~ /ERROR:  ([0-9A-Z]{5}): ([^\n]*)/;
	return $state ? "$state $msg" : $err;
}

# A string as a JSON string.
sub js
{
	my ($s) = @_;
	$s =~ s/(["\\])/\\$1/g;
	return qq("$s");
}

# add_rule for victim with these options, as helpdesk.
sub delegate_rule
{
	my ($options) = @_;
	$options =~ s/'/''/g;
	return as_helpdesk("SELECT autouser.add_rule('victim', ARRAY['reader'], options => '$options')");
}

# The role-wide settings of a role, "a=1,b=2", '' for none.
sub settings_of
{
	return sq("SELECT coalesce(string_agg(c, ',' ORDER BY c), '') FROM pg_db_role_setting, unnest(setconfig) c"
		  . " WHERE setrole = '$_[0]'::regrole AND setdatabase = 0");
}

my $before = rules();
# --- superuser-only settings: hide from the audit log, skip triggers and
# --- foreign keys, read every large object -----------------------------------
for my $attack (
	[ 'log_statement', 'none' ], [ 'LOG_STATEMENT', 'none' ],
	[ 'session_replication_role', 'replica' ], [ 'lo_compat_privileges', 'on' ],
	[ 'log_min_duration_statement', '-1' ], [ 'log_connections', 'off' ],
	[ 'temp_file_limit', '-1' ], [ 'allow_system_table_mods', 'on' ])
{
	my ($name, $value) = @$attack;
	like(delegate_rule(qq({"settings": {"$name": "$value"}})),
		qr/^22023 setting "$name" may not be given by rule options/,
		"a delegate cannot give superuser-only $name");
}

# --- settings that name a role, or load code into someone's sessions ------------
for my $attack ([ 'role', 'admins' ], [ 'Role', 'dba' ], [ 'session_authorization', 'dba' ],
	[ 'session_preload_libraries', 'plpgsql' ], [ 'local_preload_libraries', 'plpgsql' ])
{
	my ($name, $value) = @$attack;
	like(delegate_rule(qq({"settings": {"$name": "$value"}})),
		qr/^22023 setting "$name" may not be given by rule options/,
		"a delegate cannot give $name = $value");
}

# --- other names for the same settings ------------------------------------------
like(delegate_rule('{"settings": {"sort_mem": "64kB"}}'), qr/^22023 unknown setting "sort_mem"/,
	'an old alias is not looked up');
like(delegate_rule('{"settings": {"pg_autouser.admin_role": "helpdesk"}}'),
	qr/^22023 setting "pg_autouser.admin_role" in rule options is not one of PostgreSQL's own settings/,
	'no extension setting, pg_autouser\'s own included');
like(delegate_rule('{"settings": {"plpgsql.extra_errors": "all"}}'),
	qr/^22023 setting "plpgsql.extra_errors" in rule options is not one of PostgreSQL's own settings/,
	'not even one a user could set');

# --- a search_path into the delegate's own schema: its functions and
# --- operators would run as the victim --------------------------------------------
$node->safe_psql('postgres', q{
	SET ROLE helpdesk;
	CREATE TABLE hd.stolen (who name);
	GRANT INSERT ON hd.stolen TO PUBLIC;
	CREATE FUNCTION hd.steal() RETURNS SETOF int LANGUAGE plpgsql AS $$
	BEGIN INSERT INTO hd.stolen VALUES (current_user); RETURN; END $$;
	CREATE VIEW hd.reader_only AS SELECT * FROM hd.steal() AS x;
	GRANT USAGE ON SCHEMA hd TO PUBLIC;
	GRANT SELECT ON hd.reader_only TO PUBLIC;
});
for my $path ('hd, public', 'hd', '"$user", hd', 'public, pg_catalog, hd')
{
	like(delegate_rule('{"settings": {"search_path": ' . js($path) . '}}'),
		qr/^22023 (only a superuser may give setting "search_path"|setting "search_path" in rule options may not name)/,
		"a delegate cannot point search_path at $path");
}
for my $path ('pg_temp, public', 'public, pg_temp', '"pg_temp_1"', 'public, pg_catalog')
{
	my $json = '{"settings": {"search_path": ' . js($path) . '}}';
	my ($ret, $out, $err) = $node->psql('postgres',
		"\\set VERBOSITY verbose\nSELECT autouser.add_rule('victim', ARRAY['reader'], options => '$json')");
	like($err, qr/ERROR:  22023: setting "search_path" in rule options may not name (temporary|system) schema/,
		"not even a superuser may put $path in search_path");
}
like(as_helpdesk(q{INSERT INTO autouser.rules (identity, roles, options)
	VALUES ('victim', ARRAY['reader'], '{"settings": {"search_path": "hd"}}')}),
	qr/^22023 only a superuser may give setting "search_path"/, 'nor by a direct INSERT');
sq(q{SELECT autouser.add_rule('victim', ARRAY['reader'], options => '{"settings": {"search_path": "public"}}')});
like(as_helpdesk(q{UPDATE autouser.rules SET options = '{"settings": {"search_path": "hd"}}'
	WHERE identity = 'victim'}),
	qr/^22023 only a superuser may give setting "search_path"/, 'nor by changing a superuser\'s rule');
like(as_helpdesk(q{UPDATE autouser.rules SET identity = '*' WHERE identity = 'victim'}),
	qr/^22023 only a superuser may give setting "search_path"/,
	'nor by aiming a superuser\'s search_path at everyone');

# --- the row trigger cannot be skipped ---------------------------------------------
like(as_helpdesk(q{SET session_replication_role = replica;
	INSERT INTO autouser.rules (identity, roles, options)
	VALUES ('victim', ARRAY['reader'], '{"settings": {"log_statement": "none"}}')}),
	qr/^42501 permission denied to set parameter "session_replication_role"/,
	'session_replication_role = replica, which skips triggers, is not the delegate\'s');
like(as_helpdesk('ALTER TABLE autouser.rules DISABLE TRIGGER rules_check_options'),
	qr/^42501 must be owner of table rules/, 'nor may it disable the trigger');
like(as_helpdesk(q{SECURITY LABEL FOR pg_autouser_settings ON ROLE legacy IS '{}'}),
	qr/^42501 /,
	'nor set the label that records the settings pg_autouser gave');

# --- injection through a setting's name or value -------------------------------------
like(delegate_rule(q({"settings": {"work_mem = '64kB'; ALTER ROLE helpdesk SUPERUSER; --": "1"}})),
	qr/^22023 unknown setting/, 'a name is a setting\'s name or refused');
is(delegate_rule(q({"settings": {"application_name": "x'; ALTER ROLE helpdesk SUPERUSER; --"}})),
	'ok', 'a value is only a value');
is(rules() - $before, 2, 'the refused rules inserted nothing: only the superuser\'s and the last one are new');
my $victim = AutouserTest::hold(cs(AutouserTest::client_cert(cn => 'victim'), 'victim'));
is($victim->{first}, 'READY', 'the victim logs in');
is(settings_of('victim'), q{application_name=x'; ALTER ROLE helpdesk SUPERUSER; --,search_path=public},
	'the victim holds exactly the settings given: the literal value, and the superuser\'s search_path');
is($victim->query('SELECT count(*) FROM reader_only'), 'OK 0', 'reader_only resolves to the real table');
is(sq('SELECT count(*) FROM hd.stolen'), '0', 'and no function of the delegate ran as the victim');
$victim->close;
is(sq("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = 'helpdesk'"), 'f',
	'helpdesk gained nothing');

# --- options never reach a role pg_autouser does not manage --------------------------
is(as_helpdesk(q{SELECT autouser.add_rule('*', ARRAY['reader'],
	options => '{"connection_limit": 0, "inherit": false, "settings": {"statement_timeout": "1ms"}}')}),
	'ok', 'a delegate may give everyone restrictive options');
$node->connect_fails(cs(AutouserTest::client_cert(cn => 'legacy'), 'legacy'),
	'an unmanaged role is refused, not changed',
	expected_stderr => qr/role "legacy" exists and is not managed by pg_autouser/);
$node->connect_ok(cs(AutouserTest::client_cert(cn => 'dba'), 'dba'),
	'a superuser\'s certificate login is plain PostgreSQL\'s');
is(sq(q{SELECT string_agg(rolname || ':' || rolconnlimit || ':' || rolinherit, ',' ORDER BY rolname)
	FROM pg_roles WHERE rolname IN ('legacy', 'dba', 'provisioner', 'helpdesk', 'auto_user')}),
	'auto_user:-1:true,dba:-1:true,helpdesk:-1:true,legacy:-1:true,provisioner:-1:true',
	'no connection limit or NOINHERIT on roles pg_autouser does not manage');
is(sq(q{SELECT count(*) FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
	WHERE r.rolname IN ('legacy', 'dba', 'provisioner', 'helpdesk', 'auto_user')}), '0',
	'and no settings');
sq(q{DELETE FROM autouser.rules WHERE identity = '*'});

# --- a managed user cannot lift its own options ------------------------------------
sq(q{SELECT autouser.add_rule('alice', ARRAY['reader'],
	options => '{"connection_limit": 2, "inherit": false}')});
my $alice_cs = cs(AutouserTest::client_cert(cn => 'alice'), 'alice');
my $alice = AutouserTest::hold($alice_cs);
is($alice->{first}, 'READY', 'alice logs in');
my ($ret, $out, $err);
($ret, $out, $err) = $node->psql('postgres', 'SELECT count(*) FROM reader_only',
	connstr => $alice_cs);
like($err, qr/permission denied for table reader_only/,
	'NOINHERIT: her set\'s privileges are not hers without SET ROLE');
($ret, $out, $err) = $node->psql('postgres', 'SET ROLE reader; SELECT count(*) FROM reader_only',
	connstr => $alice_cs);
is($out, '0', 'with SET ROLE they are');
for my $lift ('ALTER ROLE alice CONNECTION LIMIT -1', 'ALTER ROLE alice INHERIT',
	q{SECURITY LABEL FOR pg_autouser_settings ON ROLE alice IS '{}'},
	'ALTER ROLE alice SET session_replication_role = replica')
{
	($ret, $out, $err) = $node->psql('postgres', $lift, connstr => $alice_cs);
	like($err, qr/ERROR:  (permission denied|must have|role "alice" is managed by pg_autouser and cannot alter itself)/, "alice cannot run: $lift");
}
is(sq(q{SELECT rolconnlimit || ':' || rolinherit FROM pg_roles WHERE rolname = 'alice'}), '2:false',
	'her options are still her rules\'');
$alice->close;

$node->stop;
done_testing();
