# 013_cli_admin_role.pl -- the admin role through the CLI (SPEC 10, 11):
# `server setup --admin-role` creates it LOGIN CREATEROLE (standbys log in to the primary as it),
# grants no ADMIN OPTION on 15 (it needs none) and the ADMIN OPTION grants on 16 and later, and,
# where the extension is created, USAGE on schema autouser and EXECUTE on the two functions
# standbys call,
# sets pg_autouser.admin_role, and changes nothing the second time; the workers then provision as
# that role.  `doctor` reports the version's needs, warns about a superuser admin role, reports a
# role a rule names that is gone, and what standbys need: on the primary LOGIN and the grants (a
# warning until a standby streams from it, missing after), on a real streaming standby
# pg_autouser.primary_conninfo, LOGIN, the grants, and that a connection made from the string
# reaches the writable primary as the admin role.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use CliTest;
use Digest::SHA qw(sha256_hex);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $tmp = PostgreSQL::Test::Utils::tempdir();
my $ca = "$tmp/ca";
my ($rc, $out, $err) = CliTest::cli('ca', 'init', '--dir', $ca);
is($rc, 0, 'ca init succeeds') or diag $err;
my $node = CliTest::cli_node('admin', $ca, allows_streaming => 1);
my $pgdata = $node->data_dir;
my $local = 'host=' . $node->host . ' port=' . $node->port . ' dbname=postgres';
$node->safe_psql('postgres', q{
	CREATE ROLE team_eng NOLOGIN;
	SELECT autouser.add_rule('eng*', ARRAY['team_{{cert.OU}}']);
});
sub sq { return $node->safe_psql('postgres', $_[0]); }
# PostgreSQL 16 made CREATEROLE grant only roles held WITH ADMIN OPTION.
my $major = $node->pg_version->major;
my $pg16 = $major >= 16;
my $then_grants = $pg16 ? ', then give it the ADMIN OPTION grants doctor lists' : '';
sub doctor
{
	my ($rc, $out, $err) = CliTest::cli('doctor', '--conninfo', @_);
	diag $err if $err;
	return ($rc, $out);
}
my @setup = ('server', 'setup', '--pgdata', $pgdata, '--ca', $ca, '--database', 'postgres');

# --- usage errors ---------------------------------------------------------------------
for my $case (
	[ [ @setup, '--conninfo', $local ], qr/option --conninfo needs --admin-role/ ],
	[ [ @setup, '--admin-role', 'pg_admin' ], qr/admin role name "pg_admin" starts with the reserved prefix "pg_"/ ],
	[ [ @setup, '--admin-role', '' ], qr/admin role name "" is empty/ ])
{
	my ($args, $re) = @$case;
	($rc, $out, $err) = CliTest::cli(@$args);
	is($rc, 2, "server setup @$args[7..$#$args] is a usage error");
	like($err, $re, 'and says why');
}

# --- doctor before: the bootstrap superuser acts; PostgreSQL 15 needs no grant --------------
my $d;
($rc, $d) = doctor($local);
is($rc, 0, 'doctor passes with pg_autouser.admin_role unset') or diag $d;
like($d, qr/^OK +admin role: pg_autouser\.admin_role is not set: the workers act as the bootstrap superuser$/m,
	'doctor says the bootstrap superuser acts');
like($d, $pg16
	? qr/^OK +admin grants: PostgreSQL $major: the workers act as a superuser, which needs no ADMIN OPTION grant$/m
	: qr/^OK +admin grants: PostgreSQL 15: CREATEROLE alone lets the admin role grant the group role and the roles rules name; no ADMIN OPTION grant is needed \(from PostgreSQL 16 on, it is\)$/m,
	'doctor says the bootstrap superuser needs no ADMIN OPTION grant');
like($d, qr/^OK +standby: this server is a primary .*; no server replicates from this one yet$/m,
	'doctor sees a primary with no standby');
like($d, qr/^OK +standby grants: the workers act as a superuser, which needs no grant to serve standbys$/m,
	'the bootstrap superuser needs no grant for standbys');
unlike($d, qr/templates/, 'templates need no remark on 15');

# --- server setup --admin-role -----------------------------------------------------------
my %before = map { $_ => sha256_hex(CliTest::slurp("$pgdata/$_")) } qw(postgresql.conf pg_hba.conf);
($rc, $out, $err) = CliTest::cli(@setup, '--admin-role', 'provisioner', '--conninfo', 'host=/nonexistent port=1 connect_timeout=5');
is($rc, 1, 'server setup --admin-role fails when the server cannot be reached');
like($err, qr/--admin-role needs the running server, and it cannot be reached: .*nothing was changed/s, 'and says so');
is(sha256_hex(CliTest::slurp("$pgdata/$_")), $before{$_}, "$_ was not touched") for qw(postgresql.conf pg_hba.conf);

($rc, $out, $err) = CliTest::cli(@setup, '--admin-role', 'provisioner', '--conninfo', $local);
is($rc, 0, 'server setup --admin-role succeeds') or diag "$out$err";
like($out, qr/^changed: created role "provisioner" LOGIN CREATEROLE \(LOGIN: standbys log in to the primary as it\)$/m,
	'it creates the admin role, LOGIN for standbys');
if ($pg16)
{
	like($out, qr/^changed: GRANT "auto_user" TO "provisioner" WITH ADMIN OPTION, INHERIT FALSE, SET FALSE;$/m,
		'it grants ADMIN OPTION on the group role');
	like($out, qr/^changed: GRANT "reader" TO "provisioner" WITH ADMIN OPTION, INHERIT FALSE, SET FALSE;$/m,
		'and on the role a rule names');
}
else
{
	like($out, qr/^unchanged: PostgreSQL 15: CREATEROLE alone lets "provisioner" grant the group role and the roles rules name; no ADMIN OPTION grant is needed$/m,
		'it grants no ADMIN OPTION on PostgreSQL 15, and says why');
	unlike($out, qr/WITH ADMIN OPTION/, 'no ADMIN OPTION grant is run');
}
like($out, qr/^changed: GRANT USAGE ON SCHEMA autouser TO "provisioner"; \(in database "postgres"\)$/m,
	'it grants USAGE on schema autouser, where the extension is');
like($out, qr/^changed: GRANT EXECUTE ON FUNCTION autouser\._provision_for_standby\(text, text, text, text\[\]\), autouser\._renew_leases\(text, jsonb\) TO "provisioner"; \(in database "postgres"\)$/m,
	'and EXECUTE on the two functions standbys call');
like($out, qr/^changed: .*postgresql\.conf: pg_autouser\.admin_role = 'provisioner'$/m, 'it sets pg_autouser.admin_role');
like($out, qr/^reload PostgreSQL for the changes to take effect/m, 'a reload is enough');
is(sq("SELECT rolcanlogin, rolcreaterole, rolsuper FROM pg_roles WHERE rolname = 'provisioner'"), 't|t|f',
	'provisioner is LOGIN CREATEROLE, not a superuser');
my $privileges = q{SELECT has_schema_privilege('provisioner', 'autouser', 'USAGE'),
	has_function_privilege('provisioner', 'autouser._provision_for_standby(text, text, text, text[])', 'EXECUTE'),
	has_function_privilege('provisioner', 'autouser._renew_leases(text, jsonb)', 'EXECUTE')};
is(sq($privileges), 't|t|t', 'provisioner may use the schema and call both functions');
is(sq("SELECT count(*) FROM pg_auth_members WHERE member = 'provisioner'::regrole"
	  . ($pg16 ? ' AND (inherit_option OR set_option)' : '')), '0',
	'and is a member of nothing (an ADMIN-only grant gives no rights)');
CliTest::reload_and_wait($node);
is(sq('SHOW pg_autouser.admin_role'), 'provisioner', 'the server uses it after the reload');

my %digest = map { $_ => sha256_hex(CliTest::slurp("$pgdata/$_")) } qw(postgresql.conf pg_hba.conf);
($rc, $out, $err) = CliTest::cli(@setup, '--admin-role', 'provisioner', '--conninfo', $local);
is($rc, 0, 'a second server setup --admin-role succeeds') or diag "$out$err";
like($out, qr/^unchanged: role "provisioner" exists with LOGIN and CREATEROLE$/m, 'it keeps the role');
like($out, qr/^unchanged: "provisioner" may use schema autouser and call the functions standbys call$/m,
	'and the grants standbys need');
like($out, qr/^nothing changed/m, 'and changes nothing');
is(sha256_hex(CliTest::slurp("$pgdata/$_")), $digest{$_}, "$_ is byte-identical") for qw(postgresql.conf pg_hba.conf);

# The workers provision as provisioner now: it is the grantor.
my $alice = CliTest::issue($ca, "$tmp/certs", 'ad_alice');
$node->connect_ok(CliTest::cert_connstr($node, $alice, 'ad_alice', $ca),
	'a first login is provisioned by the admin role CREATEROLE alone',
	sql => "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.grantor"
	  . " WHERE m.member = 'ad_alice'::regrole AND m.roleid = 'reader'::regrole",
	expected_stdout => qr/^provisioner$/);

($rc, $d) = doctor($local);
is($rc, 0, 'doctor passes with the admin role in place') or diag $d;
like($d, qr/^OK +admin role: admin role "provisioner" \(pg_autouser\.admin_role\) exists and has CREATEROLE$/m,
	'doctor checks the admin role');
like($d, $pg16
	? qr/^OK +admin grants: PostgreSQL $major: admin role "provisioner" holds ADMIN OPTION on "auto_user" \(the group role\)$/m
	: qr/^OK +admin grants: PostgreSQL 15: CREATEROLE alone/m, 'and its ADMIN OPTION grants (none on 15)');
like($d, qr/^OK +standby admin login: admin role "provisioner" \(pg_autouser\.admin_role\) can log in, as standbys do to provision through this server$/m,
	'doctor checks the admin role can log in for standbys');
like($d, qr/^OK +standby grants: admin role "provisioner" \(pg_autouser\.admin_role\) may use schema autouser and call the functions standbys call$/m,
	'and that it holds the grants standbys need');

# On a primary no server replicates from, what standbys need is a warning only.
sq(q{REVOKE EXECUTE ON FUNCTION autouser._renew_leases(text, jsonb) FROM provisioner;
	ALTER ROLE provisioner NOLOGIN});
($rc, $d) = doctor($local);
is($rc, 0, 'doctor passes on a primary without standbys when standby needs are missing') or diag $d;
like($d, qr/^WARNING standby admin login: admin role "provisioner" \(pg_autouser\.admin_role\) cannot log in, so standbys cannot provision through this server \(no server replicates from this one yet\)\n +fix: ALTER ROLE "provisioner" LOGIN/m,
	'doctor warns that the admin role cannot log in, with the fix');
like($d, qr/^WARNING standby grants: admin role "provisioner" \(pg_autouser\.admin_role\) lacks EXECUTE on autouser\._renew_leases\(text, jsonb\), so standbys cannot provision through this server \(no server replicates from this one yet\)\n +fix: in database "postgres": GRANT EXECUTE ON FUNCTION autouser\._renew_leases\(text, jsonb\) TO "provisioner";$/m,
	'and prints the GRANT to run for the missing grant');
($rc, $out, $err) = CliTest::cli(@setup, '--admin-role', 'provisioner', '--conninfo', $local);
is($rc, 0, 'server setup --admin-role puts them back') or diag "$out$err";
like($out, qr/^changed: gave role "provisioner" LOGIN \(standbys log in to the primary as it\)$/m, 'LOGIN again');
like($out, qr/^changed: GRANT EXECUTE ON FUNCTION autouser\._renew_leases\(text, jsonb\) TO "provisioner"; \(in database "postgres"\)$/m,
	'and only the missing grant');
unlike($out, qr/GRANT USAGE/, 'what was held is not granted again');
is(sq($privileges), 't|t|t', 'provisioner holds all three again');

# An existing role gets CREATEROLE added; a superuser is left alone with a note.
sq('CREATE ROLE weak NOLOGIN');
($rc, $out, $err) = CliTest::cli(@setup, '--admin-role', 'weak', '--conninfo', $local);
is($rc, 0, 'server setup --admin-role with a role lacking CREATEROLE succeeds') or diag "$out$err";
like($out, qr/^changed: gave role "weak" CREATEROLE$/m, 'it adds CREATEROLE');
like($out, qr/^changed: gave role "weak" LOGIN/m, 'and LOGIN');
is(sq("SELECT rolcreaterole, rolcanlogin FROM pg_roles WHERE rolname = 'weak'"), 't|t', 'weak has CREATEROLE and LOGIN');
sq('ALTER ROLE weak SUPERUSER');
($rc, $out, $err) = CliTest::cli(@setup, '--admin-role', 'weak', '--conninfo', $local);
is($rc, 0, 'server setup --admin-role with a superuser succeeds');
like($out, qr/^note: role "weak" is a superuser, so the workers will act with every right; .*NOSUPERUSER CREATEROLE/m,
	'and notes that a superuser is more than needed');
is(sq("SELECT rolsuper FROM pg_roles WHERE rolname = 'weak'"), 't', 'without changing the role');
CliTest::reload_and_wait($node);
($rc, $d) = doctor($local);
is($rc, 0, 'doctor passes with a superuser admin role (a warning only)') or diag $d;
like($d, qr/^WARNING admin role: admin role "weak" \(pg_autouser\.admin_role\) is a superuser: the workers act with every right, not the least that does the job\n +fix: ALTER ROLE "weak" NOSUPERUSER CREATEROLE\Q$then_grants\E$/m,
	'doctor warns about a superuser admin role, with the fix');
($rc) = CliTest::cli(@setup, '--admin-role', 'provisioner', '--conninfo', $local);
CliTest::reload_and_wait($node);
is(sq('SHOW pg_autouser.admin_role'), 'provisioner', 'back to provisioner');

# A role a rule names that no longer exists.
sq("CREATE ROLE gone NOLOGIN; SELECT autouser.add_rule('g*', ARRAY['gone']); DROP ROLE gone;");
($rc, $d) = doctor($local);
is($rc, 1, 'doctor fails when a rule names a missing role');
like($d, qr/^MISSING rule roles: role "gone", named by an enabled rule, does not exist\n +fix: CREATE ROLE "gone" NOLOGIN/m,
	'and names it with the fix');
sq("SELECT autouser.drop_rule(id) FROM autouser.rules WHERE roles = ARRAY['gone']");

# --- a standby: primary_conninfo, LOGIN, the grants and the link ------------------------------
sq(q{ALTER ROLE provisioner NOLOGIN; REVOKE USAGE ON SCHEMA autouser FROM provisioner});
$node->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('admin_standby');
$standby->init_from_backup($node, 'base', has_streaming => 1);
chmod 0600, $standby->data_dir . '/pg_autouser_server.key';    # the backup copy loses the mode
$standby->start;
$node->wait_for_catchup($standby);
my $standby_local = 'host=' . $standby->host . ' port=' . $standby->port . ' dbname=postgres';

($rc, $d) = doctor($local);
is($rc, 1, 'doctor fails on a primary a standby streams from when what standbys need is missing');
like($d, qr/^OK +standby: this server is a primary .*; 1 server replicates from this one$/m,
	'doctor sees the standby streaming from the primary');
like($d, qr/^MISSING standby admin login: admin role "provisioner" \(pg_autouser\.admin_role\) cannot log in, so standbys cannot provision through this server \(1 server replicates from this one\)\n +fix: ALTER ROLE "provisioner" LOGIN/m,
	'a NOLOGIN admin role is missing now');
like($d, qr/^MISSING standby grants: admin role "provisioner" \(pg_autouser\.admin_role\) lacks USAGE on schema autouser, so standbys cannot provision through this server \(1 server replicates from this one\)\n +fix: in database "postgres": GRANT USAGE ON SCHEMA autouser TO "provisioner";$/m,
	'and so is a grant, with the statement to run');

($rc, $d) = doctor($standby_local);
is($rc, 1, 'doctor fails on a standby without primary_conninfo');
like($d, qr/^MISSING standby: this server is a standby and pg_autouser\.primary_conninfo is not set: .*\n +fix: set pg_autouser\.primary_conninfo in this standby's postgresql\.conf .*user=provisioner target_session_attrs=read-write/m,
	'doctor says primary_conninfo is missing, with an example for the admin role');
like($d, qr/^MISSING standby admin login: admin role "provisioner" \(pg_autouser\.admin_role\) cannot log in, so this standby's workers cannot reach the primary\n +fix: on the primary: ALTER ROLE "provisioner" LOGIN/m,
	'doctor says the admin role cannot log in');
like($d, qr/^MISSING standby grants: admin role "provisioner" \(pg_autouser\.admin_role\) lacks USAGE on schema autouser, so this standby cannot provision through the primary\n +fix: on the primary, in database "postgres": GRANT USAGE ON SCHEMA autouser TO "provisioner";$/m,
	'doctor on the standby says which grant to run on the primary');
unlike($d, qr/standby link/, 'without primary_conninfo there is no link to check');

($rc, $out, $err) = CliTest::cli(@setup, '--admin-role', 'provisioner', '--conninfo', $local);
is($rc, 0, 'server setup --admin-role on the primary fixes both') or diag "$out$err";
$node->wait_for_catchup($standby);

# The standby reaches the primary as provisioner, by certificate.
my $admin_cert = CliTest::issue($ca, "$tmp/certs", 'provisioner');
sub set_primary_conninfo
{
	my ($conninfo) = @_;
	$standby->append_conf('postgresql.conf',
		'pg_autouser.primary_conninfo = ' . AutouserTest::conf_quote($conninfo) . "\n");
	CliTest::reload_and_wait($standby);
}
set_primary_conninfo(CliTest::cert_connstr($node, $admin_cert, 'provisioner', $ca));
($rc, $d) = doctor($standby_local);
is($rc, 0, 'doctor passes on a standby whose link to the primary works') or diag $d;
like($d, qr/^OK +standby: this server is a standby and pg_autouser\.primary_conninfo is set$/m,
	'doctor sees primary_conninfo');
like($d, qr/^OK +standby admin login: admin role "provisioner" \(pg_autouser\.admin_role\) can log in to reach the primary$/m,
	'once it is LOGIN on the primary, doctor on the standby sees it');
like($d, qr/^OK +standby grants: admin role "provisioner" \(pg_autouser\.admin_role\) may use schema autouser and call the functions standbys call$/m,
	'and the grants, replicated');
like($d, qr/^OK +standby link: pg_autouser\.primary_conninfo reaches a writable primary as "provisioner", the role it acts for standbys as$/m,
	'a connection made from primary_conninfo reaches the writable primary as the admin role');
like($d, qr/^OK +admin grants: PostgreSQL $major/m, 'the standby gets the same grant checks');
my $bob = CliTest::issue($ca, "$tmp/certs", 'ad_bob');
$standby->connect_ok(CliTest::cert_connstr($standby, $bob, 'ad_bob', $ca),
	'with what setup made, a first login on the standby is provisioned through the primary',
	sql => 'SELECT current_user', expected_stdout => qr/^ad_bob$/);

set_primary_conninfo(CliTest::cert_connstr($standby, $admin_cert, 'provisioner', $ca));
($rc, $d) = doctor($standby_local);
is($rc, 1, 'doctor fails when primary_conninfo reaches a standby');
like($d, qr/^MISSING standby link: pg_autouser\.primary_conninfo reaches a standby, not a writable primary\n +fix: list every node in pg_autouser\.primary_conninfo and add target_session_attrs=read-write/m,
	'and says to ask for the writable server');

my $closed = PostgreSQL::Test::Cluster::get_free_port();
set_primary_conninfo("host=127.0.0.1 port=$closed dbname=postgres connect_timeout=5");
($rc, $d) = doctor($standby_local);
is($rc, 1, 'doctor fails when primary_conninfo reaches nothing');
like($d, qr/^MISSING standby link: a connection made from pg_autouser\.primary_conninfo, as this standby's workers make it, fails: .*port $closed failed: .*\n +fix: check the hosts, ports and the certificate/m,
	'with libpq\'s message and what to check');
$standby->stop;
$node->stop;
done_testing();
