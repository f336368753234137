# 070_rule_options.pl -- rule options (issue 14) with real certificates and
# psql logins: connection_limit, inherit and settings are set when the role
# is created and at its reactivation (the very first session already runs
# with them), merged across rules (the most restrictive value, else the
# lowest rule id), brought up to date on a role in use when the rules change
# (and cleared when no rule gives them any more), cleared at deactivation,
# shown by preview_options; bad options are refused with 22023 and nothing
# is inserted.  The workers act as a NOLOGIN CREATEROLE admin role.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('rule_options',
	conf => "pg_autouser.admin_role = 'provisioner'\n");
$node->safe_psql('postgres', q{
	CREATE ROLE provisioner NOLOGIN CREATEROLE;
	CREATE ROLE reader NOLOGIN;
	CREATE DATABASE other;
	CREATE EXTENSION pg_autouser;
});
AutouserTest::wait_for_workers($node, 2);
AutouserTest::grant_admin_option($node, 'provisioner', 'reader');
sub cs { return AutouserTest::cert_connstr($node, @_); }
sub cert { return AutouserTest::client_cert(@_); }
sub sq { return $node->safe_psql('postgres', $_[0]); }

# "connection limit|inherit|role-wide settings|settings label" of a role.
sub options_of
{
	my ($role) = @_;
	return sq(qq{
		SELECT r.rolconnlimit || '|' || CASE WHEN r.rolinherit THEN 't' ELSE 'f' END || '|' ||
		       coalesce((SELECT array_to_string(s.setconfig, ',') FROM pg_db_role_setting s
		                 WHERE s.setrole = r.oid AND s.setdatabase = 0), '') || '|' ||
		       coalesce((SELECT l.label FROM pg_shseclabel l
		                 WHERE l.objoid = r.oid AND l.provider = 'pg_autouser_settings'), '')
		FROM pg_roles r WHERE r.rolname = '$role'});
}

# What a held session sees of each setting, joined by "|".
sub sees
{
	my ($held, @settings) = @_;
	my $value = $held->query('SELECT concat_ws(\'|\', '
		  . join(', ', map { "current_setting('$_')" } @settings) . ')');
	$value =~ s/^OK //;
	return $value;
}

sub inactive
{
	my ($role) = @_;
	return $node->poll_query_until('postgres',
		"SELECT NOT rolcanlogin FROM pg_roles WHERE rolname = '$role'");
}

# --- set at creation, cleared at deactivation, set again at reactivation ----
sq(q{SELECT autouser.add_rule('alice', ARRAY['reader'], options =>
	'{"connection_limit": 3, "inherit": false,
	  "settings": {"statement_timeout": "5s", "search_path": "app, \"$user\", public"}}')});
my $alice = cs(cert(cn => 'alice'), 'alice');
my $held = AutouserTest::hold($alice);
is(sees($held, 'statement_timeout', 'search_path'), '5s|app, "$user", public',
	'the first session of a new role already runs with the settings its rule gives');
is(options_of('alice'),
	'3|f|search_path=app, "$user", public,statement_timeout=5s|'
	  . '{"@inherit": "false", "search_path": "app, \"$user\", public", "@connection_limit": "3", "statement_timeout": "5s"}',
	'created with the connection limit, NOINHERIT and role-wide settings, recorded in its label');
$held->close;
ok(inactive('alice'), 'alice is deactivated after her session');
is(options_of('alice'), '-1|t||', 'deactivation clears what the options gave');
$held = AutouserTest::hold($alice);
is(sees($held, 'statement_timeout', 'search_path'), '5s|app, "$user", public',
	'the reactivated role runs with them again');
like(options_of('alice'), qr/^3\|f\|search_path=app, "\$user", public,statement_timeout=5s\|\{/,
	'set again at reactivation');
$held->close;
like(sq("SELECT detail FROM autouser.events WHERE role = 'alice' AND action = 'reactivate' ORDER BY id DESC LIMIT 1"),
	qr/options: connection_limit 3, inherit false, settings \{"search_path"/,
	'the reactivate event says which options were applied');
ok(inactive('alice'), 'alice is deactivated again');

# --- merged across rules --------------------------------------------------------
sq(q{SELECT autouser.add_rule('bob', ARRAY['reader'], options =>
	'{"connection_limit": 5, "inherit": true,
	  "settings": {"statement_timeout": "1min", "DateStyle": "ISO, DMY",
	               "idle_in_transaction_session_timeout": 0, "work_mem": "8MB"}}')});
sq(q{SELECT autouser.add_rule('b*', ARRAY['reader'], options =>
	'{"connection_limit": -1, "inherit": false,
	  "settings": {"statement_timeout": "2s", "DateStyle": "SQL, MDY",
	               "idle_in_transaction_session_timeout": "30s", "work_mem": "2MB",
	               "default_transaction_read_only": "on"}}')});
is(sq("SELECT autouser.preview_options('bob')"),
	'{"inherit": false, "settings": {"work_mem": "2MB", "DateStyle": "ISO, DMY", '
	  . '"statement_timeout": "2s", "default_transaction_read_only": "on", '
	  . '"idle_in_transaction_session_timeout": "30s"}, "connection_limit": 5}',
	'preview_options shows the merge: the most restrictive value, else the lower rule id');
$held = AutouserTest::hold(cs(cert(cn => 'bob'), 'bob'));
is(sees($held, 'statement_timeout', 'DateStyle', 'work_mem',
		'idle_in_transaction_session_timeout', 'default_transaction_read_only'),
	'2s|ISO, DMY|2MB|30s|on', 'a login of bob gets exactly that');
like(options_of('bob'), qr/^5\|f\|/, 'the smallest limit and NOINHERIT');
$held->close;
ok(inactive('bob'), 'bob is deactivated');

# --- a rule change reaches a role in use ---------------------------------------
my $carol_id = sq(q{SELECT autouser.add_rule('carol', ARRAY['reader'], options =>
	'{"settings": {"work_mem": "4MB", "client_min_messages": "error"}}')});
my $carol = cs(cert(cn => 'carol'), 'carol');
$held = AutouserTest::hold($carol);
is($held->{first}, 'READY', 'carol holds a session');
sq(qq{UPDATE autouser.rules SET options =
	'{"connection_limit": 2, "inherit": false, "settings": {"work_mem": "1MB", "lock_timeout": "3s"}}'
	WHERE id = $carol_id});
ok($node->poll_query_until('postgres',
		"SELECT rolconnlimit = 2 AND NOT rolinherit FROM pg_roles WHERE rolname = 'carol'"),
	'a change of options alone is applied to the role in use at once');
is(sq(q{SELECT pg_has_role('carol', 'reader', 'USAGE')}), 'f',
	'NOINHERIT reaches the membership she already held: reader\'s rights now need SET ROLE');
is(options_of('carol'),
	'2|f|work_mem=1MB,lock_timeout=3s|{"@inherit": "false", "work_mem": "1MB", "lock_timeout": "3s", "@connection_limit": "2"}',
	'settings changed, added, and the one no longer given reset');
like(sq("SELECT detail FROM autouser.events WHERE role = 'carol' AND action = 'update' ORDER BY id DESC LIMIT 1"),
	qr/^options: connection_limit 2, inherit false, settings/, 'an update event records it');
is($held->query('SELECT 1'), 'OK 1', 'an options change does not end the session');
my $new = AutouserTest::hold($carol);
is(sees($new, 'work_mem', 'lock_timeout', 'client_min_messages'), '1MB|3s|notice',
	'a new session runs with the new settings');
$new->close;
# The limit is PostgreSQL's: with two sessions open a third is refused.
my $second = AutouserTest::hold($carol);
is($second->{first}, 'READY', 'a second session fits the limit of 2');
$node->connect_fails($carol, 'a third is over the connection limit',
	expected_stderr => qr/too many connections for role "carol"/);
$second->close;
sq("UPDATE autouser.rules SET options = '{}' WHERE id = $carol_id");
ok($node->poll_query_until('postgres',
		"SELECT rolconnlimit = -1 AND rolinherit FROM pg_roles WHERE rolname = 'carol'"),
	'options no rule gives any more are cleared from the role in use');
is(options_of('carol'), '-1|t||', 'settings reset and label removed');
is(sq(q{SELECT pg_has_role('carol', 'reader', 'USAGE')}), 't', 'with INHERIT again they are hers');
is($held->query('SELECT 1'), 'OK 1', 'and the session still goes on');

# A connection limit or NOINHERIT set by hand is an administrator's
# restriction: its next login keeps it (no rule lifts it), and pg_autouser
# leaves it in place when it deactivates the role.
sq('ALTER ROLE carol CONNECTION LIMIT 7');
$node->connect_ok($carol, 'a login while the role holds a limit set by hand');
is(options_of('carol'), '7|t||', 'the limit set by hand is kept');
$held->close;
ok(inactive('carol'), 'carol is deactivated');
is(options_of('carol'), '7|t||', 'and the limit set by hand stays after the deactivation');

# --- role-wide options, database-specific rules ---------------------------------
sq(q{SELECT autouser.add_rule('dave', ARRAY['reader'], 'postgres', options =>
	'{"settings": {"statement_timeout": "1s"}}')});
sq(q{SELECT autouser.add_rule('dave', ARRAY['reader'], 'other')});
my $dave_cert = cert(cn => 'dave');
my $dave = AutouserTest::hold(cs($dave_cert, 'dave', 'postgres'));
is($dave->{first}, 'READY', 'dave holds a session in postgres');
$node->connect_fails(cs($dave_cert, 'dave', 'other'),
	'a login to a database whose rules give other options is refused while he is in use',
	expected_stderr => qr/role "dave" has other sessions holding a different role set/,
	log_like => [qr/the rules give a different role set or different role options/]);
$dave->close;
ok(inactive('dave'), 'dave is deactivated');
$node->connect_ok(cs($dave_cert, 'dave', 'other'), 'alone, he logs in there');
is(options_of('dave'), '-1|t||', 'with that database\'s options');

# --- bad options: 22023, nothing inserted -----------------------------------------
my $count = sq('SELECT count(*) FROM autouser.rules');
for my $bad ('{"settings": {"log_statement": "all"}}', '{"settings": {"role": "reader"}}',
	'{"connection_limit": "many"}', '{"settings": {"work_mem": "lots"}}', '{"superuser": true}')
{
	my ($ret, $out, $err) = $node->psql('postgres',
		"\\set VERBOSITY verbose\nSELECT autouser.add_rule('eve', ARRAY['reader'], options => '$bad')");
	like($err, qr/ERROR:  22023: /, "add_rule refuses $bad with 22023");
}
is(sq('SELECT count(*) FROM autouser.rules'), $count, 'and nothing was inserted');

$node->stop;
done_testing();
