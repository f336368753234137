# 952_attack_link_search_path.pl -- found by the second adversarial review: the owner of
# pg_autouser.database on the primary runs code as pg_autouser.admin_role
# through the standbys' link, and gives itself CREATEROLE (and
# pg_execute_server_program, i.e. a shell as the postgres OS user).
#
# SPEC 6 trust boundary: everything pg_autouser executes with more rights
# than its caller is immune to non-superusers -- search_path forced to
# pg_catalog, pg_temp, database- and role-level settings of
# pg_autouser.database without effect; a database owner can never reach
# SUPERUSER or CREATEROLE through pg_autouser.
#
# A standby's workers connect to the primary's pg_autouser.database as the
# admin role (primary_link.c connect_primary: no options, so the
# database's ALTER DATABASE ... SET search_path applies) and send
#   SELECT autouser._renew_leases($1, $2::jsonb)            (every lease_interval)
#   ... FROM autouser._provision_for_standby($1, $2, $3, $4::text[])
# The type names jsonb and text are resolved through that search_path: a
# domain x.jsonb / x.text owned by the database owner, with a CHECK that
# calls its function, is evaluated by the admin role when the parameter is
# read.  Every new link (a standby or primary restart, a failover, a
# network blip, a reload of primary_conninfo, a standby worker's first
# forward) walks into it.  With pg_autouser.admin_role = '' the link is the
# bootstrap superuser.
# FAILS on 84c6745; passes once the link pins its session (e.g. options
# '-c search_path=pg_catalog,pg_temp' plus the other settings) and/or
# qualifies pg_catalog.jsonb / pg_catalog.text.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = AutouserTest::start_node('rt2_link_primary', conf => <<'CONF');
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
my $standby = AutouserTest::make_standby($primary, 'rt2_link_standby', conf => <<"CONF");
pg_autouser.primary_conninfo = $link
pg_autouser.provision_timeout = 5000
pg_autouser.node_name = 'standby1'
CONF
my $nina_cert = AutouserTest::client_cert(cn => 'nina');
$standby->connect_ok(cs($standby, $nina_cert, 'nina', 'app'),
	'before the attack: a standby login is provisioned through the primary');

# --- the owner of pg_autouser.database sets the trap (no superuser needed) ---
$primary->safe_psql('app', q{
	SET ROLE appowner;
	CREATE SCHEMA x;
	GRANT USAGE ON SCHEMA x TO PUBLIC;
	CREATE TABLE x.fired (who name, via text);
	GRANT INSERT ON x.fired TO PUBLIC;
	CREATE FUNCTION x.pwn(via pg_catalog.text) RETURNS boolean LANGUAGE plpgsql AS $$
	BEGIN
		INSERT INTO x.fired VALUES (current_user, via);
		BEGIN EXECUTE 'ALTER ROLE appowner CREATEROLE'; EXCEPTION WHEN OTHERS THEN NULL; END;
		BEGIN EXECUTE 'GRANT pg_execute_server_program TO appowner'; EXCEPTION WHEN OTHERS THEN NULL; END;
		RETURN true;
	END $$;
	CREATE DOMAIN x.jsonb AS pg_catalog.jsonb CHECK (x.pwn('jsonb'));
	CREATE DOMAIN x.text AS pg_catalog.text CHECK (x.pwn('text'));
	ALTER DATABASE app SET search_path = x, pg_catalog;
});
is(pq(q{SELECT rolcreaterole FROM pg_roles WHERE rolname = 'appowner'}), 'f',
	'appowner has no CREATEROLE');

# Any new link walks into it; a restart of the primary breaks the existing ones.
$primary->restart;
AutouserTest::wait_for_workers($primary, 2);
$primary->wait_for_catchup($standby);
# A first login on the standby (a new identity) goes through the link too.
# (The first attempt through a worker whose kept link died with the
# restart may fail with 57P03; the next one makes a new link.)
my $omar_cs = cs($standby, AutouserTest::client_cert(cn => 'omar'), 'omar', 'app');
my $in = 0;
for (1 .. 4)
{
	my ($ret) = $standby->psql('app', 'SELECT 1', connstr => $omar_cs);
	$in = 1, last if $ret == 0;
}
ok($in, 'a first login on the standby after the restart');
sleep 3;    # a few lease reports (lease_interval = 1)

my $fired = $primary->safe_psql('app',
	q{SET search_path = pg_catalog; SELECT coalesce(string_agg(DISTINCT who || ':' || via, ','), '') FROM x.fired});
is($fired, '', 'SPEC 6: nothing the database owner planted ran as the admin role')
	or diag "ran as: $fired";
is(pq(q{SELECT rolcreaterole FROM pg_roles WHERE rolname = 'appowner'}), 'f',
	'SPEC 6: the database owner did not reach CREATEROLE through pg_autouser');
is(pq(q{SELECT pg_has_role('appowner', 'pg_execute_server_program', 'MEMBER')}), 'f',
	'SPEC 6: nor pg_execute_server_program (a shell as the postgres OS user)');

$standby->stop;
$primary->stop;
done_testing();
