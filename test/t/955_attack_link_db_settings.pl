# 955_attack_link_db_settings.pl -- found by the second adversarial review: the owner of
# pg_autouser.database on the primary ends every session on every standby
# with one ALTER DATABASE ... SET (a denial of service; same root cause as
# 952: the standbys' link to the primary is not pinned against database-
# and role-level settings).
#
# SPEC 6: database- and role-level settings of pg_autouser.database are
# without effect on what pg_autouser runs with more rights than its caller.
# SPEC 10: the primary does not deactivate a role with a live session on a
# standby.  With ALTER DATABASE app SET default_transaction_read_only = on
# (or statement_timeout = 1, lock_timeout, ...), autouser._renew_leases()
# fails on every new link (leases.c writes standby_sessions in the link's
# own backend); the leases lapse, the primary deactivates the roles, and
# the standbys replay that and terminate the sessions.
# FAILS on 84c6745.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = AutouserTest::start_node('rt2_ro_primary', conf => <<'CONF');
wal_level = replica
max_wal_senders = 4
pg_autouser.database = 'app'
pg_autouser.admin_role = 'autouser_admin'
pg_autouser.lease_interval = 1
pg_autouser.lease_expiry = 3
CONF
$primary->safe_psql('postgres', q{
	CREATE ROLE appowner LOGIN;
	CREATE DATABASE app OWNER appowner;
	CREATE ROLE reader NOLOGIN;
	CREATE ROLE autouser_admin LOGIN CREATEROLE;
});
$primary->safe_psql('app', q{
	CREATE EXTENSION pg_autouser;
	SELECT autouser.add_rule('*', ARRAY['reader']);
	GRANT USAGE ON SCHEMA autouser TO autouser_admin;
	GRANT EXECUTE ON FUNCTION autouser._provision_for_standby(text, text, text, text[]),
		autouser._renew_leases(text, jsonb) TO autouser_admin;
});
AutouserTest::wait_for_workers($primary, 2);
AutouserTest::grant_admin_option($primary, 'autouser_admin', 'reader');
sub cs { return AutouserTest::cert_connstr(@_); }
sub pq { return $primary->safe_psql('postgres', $_[0]); }

my $admin_cert = AutouserTest::client_cert(cn => 'autouser_admin');
my $link = AutouserTest::conf_quote(cs($primary, $admin_cert, 'autouser_admin', 'app'));
my $standby = AutouserTest::make_standby($primary, 'rt2_ro_standby', conf => <<"CONF");
pg_autouser.primary_conninfo = $link
pg_autouser.provision_timeout = 5000
pg_autouser.node_name = 'standby1'
CONF
my $nina_cert = AutouserTest::client_cert(cn => 'nina');
$standby->connect_ok(cs($standby, $nina_cert, 'nina', 'app'),
	'before the attack: a standby login is provisioned through the primary');

# --- the owner of pg_autouser.database, one statement -------------------------
my $held = AutouserTest::hold(cs($standby, $nina_cert, 'nina', 'app'));
is($held->{first}, 'READY', 'nina holds a session on the standby');
ok($primary->poll_query_until('app',
	q{SELECT count(*) = 1 FROM autouser.sessions WHERE role = 'nina' AND node = 'standby1'}),
	'the primary holds her lease');
$primary->safe_psql('app', q{
	SET ROLE appowner;
	ALTER DATABASE app SET default_transaction_read_only = on;
});
# Any new link walks into it; a restart of the primary breaks the existing ones.
$primary->restart;
AutouserTest::wait_for_workers($primary, 2);
sleep 6;    # lease_expiry = 3
is(pq(q{SELECT rolcanlogin FROM pg_roles WHERE rolname = 'nina'}), 't',
	'SPEC 10: the primary does not deactivate nina while her standby session lives');
diag $primary->safe_psql('app', q{SET default_transaction_read_only = off; SELECT string_agg(action || ': ' || coalesce(detail, ''), ' | ' ORDER BY id) FROM autouser.events WHERE role = 'nina'});
my $r = $held->query('SELECT current_user');
is($r, 'OK nina', 'SPEC 6/10: a database setting does not end her standby session');
$held->close;

$standby->stop;
$primary->stop;
done_testing();
