# 010_cli.pl -- the pg_autouser helper CLI (SPEC 8) end to end: a CA and client certificates
# checked with the openssl command, server setup on a fresh data directory (twice: idempotent,
# backups, preload kept), real certificate logins through `connect` and a `service` entry, and
# doctor on a working server and on deliberately broken ones.  Exit codes: 0 ok, 1 failed, 2 usage.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use Digest::SHA qw(sha256_hex);
use File::Copy;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $tmp = PostgreSQL::Test::Utils::tempdir();

# Runs a command; returns (exit code, stdout, stderr).
sub run_cmd
{
	my ($cmd, %env) = @_;
	my ($out, $err) = ('', '');
	local @ENV{ keys %env } = values %env;
	IPC::Run::run($cmd, '<', \undef, '>', \$out, '2>', \$err,
		IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
	return ($? >> 8, $out, $err);
}

sub cli { return run_cmd([ 'pg_autouser', @_ ]); }

sub slurp { return PostgreSQL::Test::Utils::slurp_file($_[0]); }
sub mode_of { return sprintf('%04o', (stat $_[0])[2] & 07777); }

sub openssl_text
{
	my ($rc, $out, $err) = run_cmd([ 'openssl', @_ ]);
	die "openssl @_: $err" if $rc != 0;
	return $out;
}

# Subject in certificate order, values raw UTF-8: "O=Acme,OU=eng,CN=alice".
sub subject_of
{
	my $s = openssl_text('x509', '-in', $_[0], '-noout', '-subject', '-nameopt',
		'sep_comma_plus,utf8,-esc_msb');
	$s =~ s/^subject=//;
	chomp $s;
	return $s;
}

# --- --help and usage errors -------------------------------------------------
for my $cmd ([], ['ca'], [ 'ca', 'init' ], ['cert'], [ 'cert', 'issue' ], ['server'],
	[ 'server', 'setup' ], ['connect'], ['service'], ['doctor'])
{
	my ($rc, $out, $err) = cli(@$cmd, '--help');
	is($rc, 0, "pg_autouser @$cmd --help exits 0");
	like($out, qr/^Usage: pg_autouser/m, "pg_autouser @$cmd --help prints usage");
}

my @usage_errors = (
	[ [], qr/no command given/ ],
	[ ['frobnicate'], qr/unknown command "frobnicate"/ ],
	[ ['ca'], qr/missing subcommand/ ],
	[ [ 'ca', 'init' ], qr/option --dir is required/ ],
	[ [ 'ca', 'init', '--dir', "$tmp/x", '--days', 'many' ], qr/--days must be an integer/ ],
	[ [ 'cert', 'sign' ], qr/unknown subcommand "cert sign"/ ],
	[ [ 'cert', 'issue', '--bogus' ], qr/unknown option "--bogus"/ ],
	[ [ 'server', 'setup', '--ca', "$tmp/ca" ], qr/option --pgdata is required/ ],
	[ [ 'server', 'setup', '--pgdata', $tmp, '--ca', "$tmp/ca", '--hostname', 'a,b' ],
		qr/is not a DNS name or IP address/ ],
	[ [ 'connect', '--cert', 'c', '--key', 'k', '--port', '0' ], qr/--port must be an integer/ ],
	[ [ 'connect', 'extra' ], qr/unexpected argument "extra"/ ],
	[ [ 'service', '--cert', 'c', '--key', 'k' ], qr/option --name is required/ ],
	[ [ 'doctor', '--config-dir', $tmp ], qr/--config-dir needs --pgdata/ ],
	[ [ 'doctor', '--pgdata' ], qr/--pgdata needs a value/ ]);
for my $case (@usage_errors)
{
	my ($args, $re) = @$case;
	my ($rc, $out, $err) = cli(@$args);
	is($rc, 2, "pg_autouser @$args is a usage error (exit 2)");
	like($err, $re, "pg_autouser @$args says why");
}

# --- ca init -------------------------------------------------------------------
my $ca = "$tmp/ca";
my ($rc, $out, $err) = cli('ca', 'init', '--dir', $ca, '--cn', 'CLI test CA', '--days', '30');
is($rc, 0, 'ca init succeeds') or diag $err;
is(mode_of("$ca/ca.key"), '0600', 'the CA key is mode 0600');
like(openssl_text('pkey', '-in', "$ca/ca.key", '-noout', '-text'), qr/ASN1 OID: prime256v1/,
	'the CA key is EC prime256v1');
my $ca_text = openssl_text('x509', '-in', "$ca/ca.crt", '-noout', '-text');
like($ca_text, qr/Basic Constraints: critical\s+CA:TRUE/, 'the CA certificate is CA:TRUE, critical');
like($ca_text, qr/Key Usage: critical\s+Certificate Sign, CRL Sign/,
	'the CA certificate may sign certificates and CRLs');
like($ca_text, qr/Subject: CN ?= ?CLI test CA/, 'the CA has the given CN');
like($ca_text, qr/ASN1 OID: prime256v1/, 'the CA certificate holds a P-256 key');

my $ca_key_before = slurp("$ca/ca.key");
($rc, $out, $err) = cli('ca', 'init', '--dir', $ca);
is($rc, 1, 'ca init refuses an existing CA (exit 1)');
like($err, qr/ca\.key" already exists; refusing to overwrite it/, 'and says so');
is(slurp("$ca/ca.key"), $ca_key_before, 'the CA key is unchanged');

# --- cert issue ----------------------------------------------------------------
my $certs = "$tmp/certs";
my %issued;    # cn => [crt, key]

sub issue
{
	my ($cn, @more) = @_;
	my ($rc, $out, $err) = cli('cert', 'issue', '--ca', $ca, '--cn', $cn, '--out', $certs, @more);
	is($rc, 0, "cert issue $cn succeeds") or diag $err;
	my ($crt) = $out =~ /^certificate: (.*)$/m;
	my ($key) = $out =~ /^key: (.*)$/m;
	$issued{$cn} = [ $crt, $key ];
	return ($crt, $key);
}

my $utf8_cn = "Zo\xc3\xab \xe5\xb1\xb1\xe7\x94\xb0";
my $nasty_cn = q{o'brien"; drop role x; --};
my @subjects = (
	[ ['cli_alice'], 'CN=cli_alice' ],
	[ [ 'cli_dave', '--ou', 'eng', '--ou', 'ops', '--o', 'Acme Corp' ],
		'O=Acme Corp,OU=eng,OU=ops,CN=cli_dave' ],
	[ [ $utf8_cn, '--ou', "\xc3\xa9quipe" ], "OU=\xc3\xa9quipe,CN=$utf8_cn" ],
	[ [$nasty_cn], "CN=$nasty_cn" ]);
for my $case (@subjects)
{
	my ($args, $subject) = @$case;
	my ($crt, $key) = issue(@$args);
	ok(-f $crt && -f $key, "files for $args->[0] exist");
	is(subject_of($crt), $subject, "subject of $args->[0] is exactly $subject");
	is(mode_of($key), '0600', "key of $args->[0] is mode 0600");
	my $text = openssl_text('x509', '-in', $crt, '-noout', '-text');
	like($text, qr/Extended Key Usage:\s+TLS Web Client Authentication/,
		"$args->[0] has extendedKeyUsage clientAuth");
	like(openssl_text('verify', '-CAfile', "$ca/ca.crt", $crt), qr/: OK$/m,
		"$args->[0] verifies against the CA");
}
like($issued{$nasty_cn}[0], qr{/o%27brien%22%3B%20drop%20role%20x%3B%20--\.crt$},
	'a CN with quotes gets an escaped file name');
like(openssl_text('asn1parse', '-in', $issued{$utf8_cn}[0]), qr/UTF8STRING\s+:\Q$utf8_cn\E/,
	'the UTF-8 CN is a UTF8String');

my @refusals = (
	[ [ '--cn', 'l' x 64 ], qr/is longer than 63 bytes and cannot be a role name/ ],
	[ [ '--cn', 'pg_evil' ], qr/starts with the reserved prefix "pg_"/ ],
	[ [ '--cn', '' ], qr/common name "" is empty/ ],
	[ [ '--cn', "ctl\x01x" ], qr/contains a control character/ ],
	[ [ '--cn', "bad\xffutf8" ], qr/is not valid UTF-8/ ],
	[ [ '--cn', 'ok', '--days', '0' ], qr/--days must be an integer in 1\.\.3650/ ],
	[ [ '--cn', 'ok', '--days', '3651' ], qr/--days must be an integer in 1\.\.3650/ ],
	[ [ '--cn', 'ok', '--ou', 'u' x 65 ], qr/organizational unit "u+" is longer than 64 bytes/ ],
	[ [ '--cn', 'ok', '--o', '' ], qr/organization "" is empty/ ]);
for my $case (@refusals)
{
	my ($args, $re) = @$case;
	my ($rc, $out, $err) =
	  cli('cert', 'issue', '--ca', $ca, '--out', "$tmp/refused", @$args);
	is($rc, 2, "cert issue @$args is refused (exit 2)");
	like($err, $re, "cert issue @$args says why");
}
ok(!-e "$tmp/refused", 'no file was written for a refused certificate');
($rc, $out, $err) = cli('cert', 'issue', '--ca', $ca, '--cn', 'cli_alice', '--out', $certs);
is($rc, 1, 'cert issue refuses to overwrite an issued certificate (exit 1)');
like($err, qr/already exists; refusing to overwrite it/, 'and says so');

# --- server setup: first run, second run --------------------------------------
my $node = PostgreSQL::Test::Cluster->new('cli');
$node->init;
my $pgdata = $node->data_dir;
$node->append_conf('postgresql.conf',
	"listen_addresses = '127.0.0.1'\nshared_preload_libraries = 'pg_stat_statements'\n");
my %original = map { $_ => slurp("$pgdata/$_") } qw(postgresql.conf pg_hba.conf);

my @setup = ('server', 'setup', '--pgdata', $pgdata, '--ca', $ca, '--database', 'postgres');
($rc, $out, $err) = cli(@setup);
is($rc, 0, 'server setup succeeds') or diag $err;
like($out, qr/issued server certificate .*pg_autouser_server\.crt \(DNS:localhost, IP:127\.0\.0\.1\)/,
	'server setup reports the server certificate');
like($out, qr/shared_preload_libraries = 'pg_stat_statements,pg_autouser' \(was 'pg_stat_statements'\)/,
	'server setup adds pg_autouser to the existing preload');
like($out, qr/added "hostssl all all 0\.0\.0\.0\/0 cert"/, 'server setup adds the IPv4 hba record');
like($out, qr/added "hostssl all all ::\/0 cert"/, 'server setup adds the IPv6 hba record');
like($out, qr/restart PostgreSQL/, 'server setup says a restart is needed');
is(mode_of("$pgdata/pg_autouser_server.key"), '0600', 'the server key is mode 0600');
is(slurp("$pgdata/pg_autouser_ca.crt"), slurp("$ca/ca.crt"), 'the CA certificate was copied');
like(openssl_text('verify', '-CAfile', "$ca/ca.crt", "$pgdata/pg_autouser_server.crt"),
	qr/: OK$/m, 'the server certificate verifies against the CA');
for my $file (qw(postgresql.conf pg_hba.conf))
{
	my @backups = glob("$pgdata/$file.pg_autouser-backup-*");
	is(scalar(@backups), 1, "one backup of $file");
	is(slurp($backups[0]), $original{$file}, "the backup of $file holds the original");
}
like(slurp("$pgdata/pg_hba.conf"), qr/^local\s+all\s+all\s+trust$/m, 'local records are kept');

my @watched = qw(postgresql.conf pg_hba.conf pg_autouser_server.crt pg_autouser_server.key
  pg_autouser_ca.crt);
my %digest = map { $_ => sha256_hex(slurp("$pgdata/$_")) } @watched;
($rc, $out, $err) = cli(@setup);
is($rc, 0, 'a second server setup succeeds') or diag $err;
like($out, qr/nothing changed: .* is already set up for pg_autouser/, 'and reports no change');
unlike($out, qr/^changed:/m, 'and lists no change');
is(sha256_hex(slurp("$pgdata/$_")), $digest{$_}, "$_ is byte-identical after the second run")
  for @watched;
is(scalar(my @b = glob("$pgdata/*.pg_autouser-backup-*")), 2, 'the second run made no backup');

# --- real certificate logins --------------------------------------------------
$node->start;
is($node->safe_psql('postgres', 'SHOW shared_preload_libraries'),
	'pg_stat_statements,pg_autouser', 'the server preloads both libraries');
$node->safe_psql('postgres', q{
	CREATE ROLE reader NOLOGIN;
	CREATE ROLE x NOLOGIN;
	CREATE EXTENSION pg_autouser;
	SELECT autouser.add_rule('*', ARRAY['reader']);
});
AutouserTest::wait_for_workers($node, 1);
my $port = $node->port;

sub connect_args
{
	my ($cn) = @_;
	return ('connect', '--cert', $issued{$cn}[0], '--key', $issued{$cn}[1], '--ca', "$ca/ca.crt",
		'--host', '127.0.0.1', '--port', $port, '-d', 'postgres');
}

for my $cn ('cli_alice', $nasty_cn)
{
	($rc, $out, $err) = cli(connect_args($cn), '--', '-XAtq', '-c', 'SELECT current_user',
		'-c', "SELECT pg_has_role('reader', 'MEMBER')");
	is($rc, 0, "connect logs $cn in over TLS") or diag $err;
	is($out, "$cn\nt\n", "psql runs as $cn, provisioned with the rule's role");
	# After the session the default cleanup may have deactivated it; it stays managed.
	like(AutouserTest::memberships($node, $cn), qr/^auto_user/, "role $cn is managed");
}
is(AutouserTest::memberships($node, 'x'), '', 'role x still exists');

# --dry-run prints the argv; PSQL picks the program.
($rc, $out, $err) = cli(connect_args($nasty_cn), '--dry-run', '--', '-c', 'SELECT 1');
is($rc, 0, 'connect --dry-run succeeds');
my @argv = split /\n/, $out;
is(scalar(@argv), 5, 'dry-run argv has psql, -d, the conninfo and the psql arguments');
is_deeply([ @argv[ 0, 1, 3, 4 ] ], [ 'psql', '-d', '-c', 'SELECT 1' ], 'dry-run argv order');
my $conninfo = $argv[2];
like($conninfo, qr/(^| )sslmode=verify-full( |$)/, 'the conninfo uses sslmode=verify-full');
like($conninfo, qr/ user='o\\'brien"; drop role x; --' /, 'the CN is quoted per libpq rules');
like($conninfo, qr/^host=127\.0\.0\.1 port=$port dbname=postgres /, 'host, port and dbname');
like($conninfo, qr/ sslrootcert=\S*ca\.crt sslcert=\S+ sslkey=\S+$/, 'and the certificate files');
($rc, $out, $err) = run_cmd([ 'pg_autouser', connect_args('cli_alice'), '--', 'extra' ],
	PSQL => '/bin/echo');
is($rc, 0, 'connect execs $PSQL');
like($out, qr/^-d host=127\.0\.0\.1 .* user=cli_alice .* extra$/, 'with the conninfo and the arguments');

AutouserTest::make_ca();
my $pg_cert = AutouserTest::client_cert(cn => 'pg_evil');
my ($pg_crt, $pg_key) = $pg_cert =~ /sslcert=(\S+) sslkey=(\S+)/;
($rc, $out, $err) = cli('connect', '--cert', $pg_crt, '--key', $pg_key, '--dry-run');
is($rc, 1, 'connect refuses a certificate whose CN cannot be a role (exit 1)');
like($err, qr/"pg_evil" starts with the reserved prefix "pg_"/, 'and says why');

# --- service ---------------------------------------------------------------------
($rc, $out, $err) = cli('service', '--name', 'cli_svc', (connect_args('cli_dave'))[ 1 .. 12 ]);
is($rc, 0, 'service succeeds') or diag $err;
like($out, qr/^\[cli_svc\]\nhost=127\.0\.0\.1\nport=$port\ndbname=postgres\nuser=cli_dave\nsslmode=verify-full\nsslrootcert=\S+\nsslcert=\S+\nsslkey=\S+\n\z/,
	'service prints a complete pg_service.conf section');
open my $svc, '>', "$tmp/pg_service.conf" or die;
print $svc $out;
close $svc;
($rc, $out, $err) = run_cmd([ 'psql', '-XAtq', '-d', 'service=cli_svc', '-c', 'SELECT current_user' ],
	PGSERVICEFILE => "$tmp/pg_service.conf");
is($out, "cli_dave\n", 'psql logs in as cli_dave through the service entry') or diag $err;
($rc, $out, $err) = cli('service', '--name', 'a]b', (connect_args('cli_dave'))[ 1 .. 12 ]);
is($rc, 2, 'service refuses a section name with "]"');

# --- doctor ---------------------------------------------------------------------
my $local = 'host=' . $node->host . " port=$port dbname=postgres";

sub doctor
{
	my ($rc, $out, $err) = cli('doctor', @_);
	diag $err if $err;
	return ($rc, $out);
}

($rc, $out) = doctor('--pgdata', $pgdata, '--conninfo', $local);
is($rc, 0, 'doctor passes on the working server') or diag $out;
unlike($out, qr/^MISSING/m, 'doctor finds nothing missing');
like($out, qr/^OK +preload \(config\)/m, 'doctor checked the preload in postgresql.conf');
like($out, qr/^OK +extension: pg_autouser 1\.\d+ is created in database "postgres"/m,
	'doctor found the extension');
like($out, qr/^OK +workers: [1-9]\d* of 2 pg_autouser workers running/m, 'doctor found the workers');
like($out, qr/^OK +group role: group role "auto_user"/m, 'doctor found the group role');
($rc, $out) = doctor('--conninfo', $local);
is($rc, 0, 'doctor with only --conninfo passes');
like($out, qr/^OK +pg_hba \(server\)/m, 'doctor read pg_hba_file_rules');

# Admin role: missing, without CREATEROLE, then fine.
$node->safe_psql('postgres', "ALTER SYSTEM SET pg_autouser.admin_role = 'cli_admin'; SELECT pg_reload_conf()");
$node->poll_query_until('postgres', "SELECT current_setting('pg_autouser.admin_role') = 'cli_admin'");
($rc, $out) = doctor('--conninfo', $local);
is($rc, 1, 'doctor fails when the admin role is missing');
like($out, qr/^MISSING admin role: admin role "cli_admin" \(pg_autouser.admin_role\) does not exist\n +fix: CREATE ROLE "cli_admin" LOGIN CREATEROLE$/m,
	'doctor names the missing admin role and the fix');
$node->safe_psql('postgres', 'CREATE ROLE cli_admin NOLOGIN');
($rc, $out) = doctor('--conninfo', $local);
like($out, qr/^MISSING admin role: .* lacks CREATEROLE\n +fix: ALTER ROLE "cli_admin" CREATEROLE$/m,
	'doctor sees the admin role lacks CREATEROLE');
$node->safe_psql('postgres', 'ALTER ROLE cli_admin CREATEROLE');
($rc, $out) = doctor('--conninfo', $local);
if ($node->pg_version >= 16)
{
	# 16 and later: CREATEROLE alone cannot grant; doctor's fix lines do the rest.
	my @grants = $out =~ /^ +fix: (GRANT .* WITH ADMIN OPTION, INHERIT FALSE, SET FALSE;)$/mg;
	ok(@grants > 0, 'doctor lists the ADMIN OPTION grants 16 and later need');
	$node->safe_psql('postgres', join("\n", @grants));
	($rc, $out) = doctor('--conninfo', $local);
}
is($rc, 0, 'doctor passes once the admin role has CREATEROLE');

# No hba certificate record (the view reads the file; no reload needed).
my $hba = slurp("$pgdata/pg_hba.conf");
my ($hba_backup) = glob("$pgdata/pg_hba.conf.pg_autouser-backup-*");
copy($hba_backup, "$pgdata/pg_hba.conf") or die "copy: $!";
($rc, $out) = doctor('--pgdata', $pgdata);
is($rc, 1, 'doctor --pgdata fails without an hba certificate record');
like($out, qr/^MISSING pg_hba \(file\): .* has no hostssl cert record\n +fix: add "hostssl all all 0\.0\.0\.0\/0 cert"/m,
	'doctor --pgdata says which record to add');
($rc, $out) = doctor('--conninfo', $local);
is($rc, 1, 'doctor --conninfo fails without an hba certificate record');
like($out, qr/^MISSING pg_hba \(server\): pg_hba.conf has no hostssl cert record/m,
	'doctor --conninfo reads that from pg_hba_file_rules');
open my $fh, '>', "$pgdata/pg_hba.conf" or die;
print $fh $hba;
close $fh;

# Extension not created, then the group role gone.
$node->safe_psql('postgres', 'DROP EXTENSION pg_autouser');
($rc, $out) = doctor('--conninfo', $local);
is($rc, 1, 'doctor fails without the extension');
like($out, qr/^MISSING extension: pg_autouser is not created in database "postgres"\n +fix: psql -d 'postgres' -c 'CREATE EXTENSION pg_autouser'$/m,
	'doctor says to create the extension');
is(scalar(my @m = $out =~ /^MISSING/mg), 1, 'and nothing else is missing');
$node->safe_psql('postgres', 'DROP ROLE auto_user');
($rc, $out) = doctor('--conninfo', $local);
is($rc, 1, 'doctor fails without the group role');
like($out, qr/^MISSING group role: group role "auto_user" \(pg_autouser.group_role\) does not exist\n +fix: CREATE ROLE "auto_user" NOLOGIN/m,
	'doctor says to create the group role');
$node->stop;

# Not preloaded, no ssl, no hba record: a plain fresh cluster.
my $plain = PostgreSQL::Test::Cluster->new('cli_plain');
$plain->init;
$plain->start;
($rc, $out) = doctor('--pgdata', $plain->data_dir, '--conninfo',
	'host=' . $plain->host . ' port=' . $plain->port . ' dbname=postgres');
is($rc, 1, 'doctor fails on a server without pg_autouser');
like($out, qr/^MISSING preload \(config\): shared_preload_libraries = '' does not load pg_autouser\n +fix: set shared_preload_libraries = 'pg_autouser' in postgresql.conf/m,
	'doctor reports the missing preload in postgresql.conf');
like($out, qr/^MISSING preload \(server\): .*pg_autouser is not loaded/m,
	'doctor reports the missing preload in the running server');
like($out, qr/^MISSING ssl \(config\): ssl = off/m, 'doctor reports ssl off');
like($out, qr/^MISSING pg_hba \(file\)/m, 'doctor reports the missing hba record');
like($out, qr/^SKIPPED extension, workers, roles/m, 'doctor skips what needs the preload');
$plain->stop;
($rc, $out) = doctor('--conninfo', 'host=' . $plain->host . ' port=' . $plain->port . ' connect_timeout=5');
is($rc, 1, 'doctor fails when it cannot connect');
like($out, qr/^MISSING connection: cannot connect/m, 'and says so');

# --- server setup replaces a certificate from another CA, with a backup -------------
($rc, $out, $err) = cli('ca', 'init', '--dir', "$tmp/ca2");
is($rc, 0, 'a second CA');
($rc, $out, $err) = cli('server', 'setup', '--pgdata', $pgdata, '--ca', "$tmp/ca2");
is($rc, 0, 'server setup with another CA succeeds') or diag $err;
like($out, qr/issued server certificate .* \(backup: .*pg_autouser_server\.crt\.pg_autouser-backup-/,
	'the old server certificate is backed up and replaced');
like(openssl_text('verify', '-CAfile', "$tmp/ca2/ca.crt", "$pgdata/pg_autouser_server.crt"),
	qr/: OK$/m, 'the new server certificate is from the new CA');
($rc, $out, $err) = cli('server', 'setup', '--pgdata', "$tmp/nowhere", '--ca', $ca);
is($rc, 1, 'server setup fails on a missing data directory (exit 1)');
like($err, qr/is not a PostgreSQL data directory/, 'and says so');

done_testing();
