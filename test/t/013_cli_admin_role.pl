# 013_cli_admin_role.pl -- the admin role through the CLI (SPEC 10, 11):
# `server setup --admin-role` creates it NOLOGIN CREATEROLE, grants nothing on 15 (it needs no
# ADMIN OPTION) and on 16 and later the ADMIN OPTION grants, sets pg_autouser.admin_role, and changes nothing the
# second time; the workers then provision as that role.  `doctor` reports the version's needs,
# warns about a superuser admin role, reports a role a rule names that is gone, and on a standby
# checks pg_autouser.primary_conninfo and that the admin role can log in.
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
like($d, qr/^OK +standby: this server is a primary/m, 'doctor sees a primary');
unlike($d, qr/templates/, 'templates need no remark on 15');

# --- server setup --admin-role -----------------------------------------------------------
my %before = map { $_ => sha256_hex(CliTest::slurp("$pgdata/$_")) } qw(postgresql.conf pg_hba.conf);
($rc, $out, $err) = CliTest::cli(@setup, '--admin-role', 'provisioner', '--conninfo', 'host=/nonexistent port=1 connect_timeout=5');
is($rc, 1, 'server setup --admin-role fails when the server cannot be reached');
like($err, qr/--admin-role needs the running server, and it cannot be reached: .*nothing was changed/s, 'and says so');
is(sha256_hex(CliTest::slurp("$pgdata/$_")), $before{$_}, "$_ was not touched") for qw(postgresql.conf pg_hba.conf);

($rc, $out, $err) = CliTest::cli(@setup, '--admin-role', 'provisioner', '--conninfo', $local);
is($rc, 0, 'server setup --admin-role succeeds') or diag "$out$err";
like($out, qr/^changed: created role "provisioner" NOLOGIN CREATEROLE$/m, 'it creates the admin role');
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
		'it grants nothing on PostgreSQL 15, and says why');
	unlike($out, qr/GRANT/, 'no GRANT is run');
}
like($out, qr/^changed: .*postgresql\.conf: pg_autouser\.admin_role = 'provisioner'$/m, 'it sets pg_autouser.admin_role');
like($out, qr/^reload PostgreSQL for the changes to take effect/m, 'a reload is enough');
is(sq("SELECT rolcanlogin, rolcreaterole, rolsuper FROM pg_roles WHERE rolname = 'provisioner'"), 'f|t|f',
	'provisioner is NOLOGIN CREATEROLE, not a superuser');
is(sq("SELECT count(*) FROM pg_auth_members WHERE member = 'provisioner'::regrole"
	  . ($pg16 ? ' AND (inherit_option OR set_option)' : '')), '0',
	'and is a member of nothing (an ADMIN-only grant gives no rights)');
CliTest::reload_and_wait($node);
is(sq('SHOW pg_autouser.admin_role'), 'provisioner', 'the server uses it after the reload');

my %digest = map { $_ => sha256_hex(CliTest::slurp("$pgdata/$_")) } qw(postgresql.conf pg_hba.conf);
($rc, $out, $err) = CliTest::cli(@setup, '--admin-role', 'provisioner', '--conninfo', $local);
is($rc, 0, 'a second server setup --admin-role succeeds') or diag "$out$err";
like($out, qr/^unchanged: role "provisioner" exists with CREATEROLE$/m, 'it keeps the role');
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

# An existing role gets CREATEROLE added; a superuser is left alone with a note.
sq('CREATE ROLE weak NOLOGIN');
($rc, $out, $err) = CliTest::cli(@setup, '--admin-role', 'weak', '--conninfo', $local);
is($rc, 0, 'server setup --admin-role with a role lacking CREATEROLE succeeds') or diag "$out$err";
like($out, qr/^changed: gave role "weak" CREATEROLE$/m, 'it adds CREATEROLE');
is(sq("SELECT rolcreaterole FROM pg_roles WHERE rolname = 'weak'"), 't', 'weak has CREATEROLE');
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

# --- a standby: primary_conninfo and LOGIN ------------------------------------------------
$node->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('admin_standby');
$standby->init_from_backup($node, 'base', has_streaming => 1);
chmod 0600, $standby->data_dir . '/pg_autouser_server.key';    # the backup copy loses the mode
$standby->start;
$node->wait_for_catchup($standby);
my $standby_local = 'host=' . $standby->host . ' port=' . $standby->port . ' dbname=postgres';
($rc, $d) = doctor($standby_local);
is($rc, 1, 'doctor fails on a standby without primary_conninfo');
like($d, qr/^MISSING standby: this server is a standby and pg_autouser\.primary_conninfo is not set: .*\n +fix: set pg_autouser\.primary_conninfo in this standby's postgresql\.conf .*user=provisioner target_session_attrs=read-write/m,
	'doctor says primary_conninfo is missing, with an example for the admin role');
like($d, qr/^MISSING standby admin login: admin role "provisioner" \(pg_autouser\.admin_role\) cannot log in, so this standby's workers cannot reach the primary\n +fix: on the primary: ALTER ROLE "provisioner" LOGIN/m,
	'doctor says the admin role cannot log in');
sq('ALTER ROLE provisioner LOGIN');
$node->wait_for_catchup($standby);
($rc, $d) = doctor($standby_local);
like($d, qr/^OK +standby admin login: admin role "provisioner" \(pg_autouser\.admin_role\) can log in to reach the primary$/m,
	'once it is LOGIN on the primary, doctor on the standby sees it');
like($d, qr/^OK +admin grants: PostgreSQL $major/m, 'the standby gets the same grant checks');
$standby->stop;
$node->stop;
done_testing();
