# 011_cli_revocation.pl -- certificate revocation with the pg_autouser CLI (SPEC 7, 8): `cert
# revoke` keeps the CA database (index.txt, as `openssl ca` does) and signs a CRL that openssl
# accepts; `server setup --crl` puts it in the data directory and sets ssl_crl_file; after a reload
# PostgreSQL refuses a new login with a revoked certificate at the TLS handshake while other
# certificates still log in.  Also `ca crl`, doctor's CRL check, and `cert issue --minutes`.
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
use Time::Piece;

my $tmp = PostgreSQL::Test::Utils::tempdir();
my $ca = "$tmp/ca";
my $certs = "$tmp/certs";
my ($rc, $out, $err) = CliTest::cli('ca', 'init', '--dir', $ca, '--cn', 'revocation test CA');
is($rc, 0, 'ca init succeeds') or diag $err;

# --- --help and usage errors -------------------------------------------------------
for my $cmd ([ 'cert', 'revoke' ], [ 'ca', 'crl' ], ['ca'], ['cert'])
{
	($rc, $out, $err) = CliTest::cli(@$cmd, '--help');
	is($rc, 0, "pg_autouser @$cmd --help exits 0");
	like($out, qr/^Usage: pg_autouser/m, "pg_autouser @$cmd --help prints usage");
}
for my $case (
	[ [ 'cert', 'revoke', '--ca', $ca ], qr/give exactly one of --cert FILE and --serial HEX/ ],
	[ [ 'cert', 'revoke', '--ca', $ca, '--cert', 'x', '--serial', '01' ], qr/give exactly one/ ],
	[ [ 'cert', 'revoke', '--ca', $ca, '--serial', 'xyz' ], qr/is not a positive hexadecimal number/ ],
	[ [ 'cert', 'revoke', '--ca', $ca, '--serial', '01', '--reason', 'CACompromise' ],
		qr/revocation reason "CACompromise" is not one of unspecified, keyCompromise/ ],
	[ [ 'cert', 'revoke', '--ca', $ca, '--serial', '01', '--crl-days', '0' ], qr/--crl-days must be/ ],
	[ [ 'ca', 'crl' ], qr/option --dir is required/ ],
	[ [ 'ca', 'sign' ], qr/unknown subcommand "ca sign"/ ],
	[ [ 'cert', 'issue', '--ca', $ca, '--cn', 'x', '--out', $certs, '--days', '2', '--minutes', '3' ],
		qr/options --days and --minutes cannot be used together/ ],
	[ [ 'cert', 'issue', '--ca', $ca, '--cn', 'x', '--out', $certs, '--minutes', '0' ],
		qr/--minutes must be an integer in 1\.\.5256000/ ])
{
	my ($args, $re) = @$case;
	($rc, $out, $err) = CliTest::cli(@$args);
	is($rc, 2, "pg_autouser @$args is a usage error (exit 2)");
	like($err, $re, "pg_autouser @$args says why");
}
ok(!-e "$certs/x.crt", 'no certificate was written for a usage error');

# --- cert issue --minutes: notBefore is now, notAfter exactly N minutes later ----------
my $t0 = time;
my $short = CliTest::issue($ca, $certs, 'short_lived', '--minutes', '10');
my $t1 = time;
my %dates = map { /^(\w+)=(.*)$/ ? ($1 => $2) : () } split /\n/,
  CliTest::openssl_text('x509', '-in', $short->{crt}, '-noout', '-startdate', '-enddate');
my ($not_before, $not_after) =
  map { Time::Piece->strptime($_, '%b %d %H:%M:%S %Y GMT')->epoch } @dates{qw(notBefore notAfter)};
is($not_after - $not_before, 600, '--minutes 10 gives exactly 600 seconds between notBefore and notAfter');
ok($not_before >= $t0 - 1 && $not_before <= $t1 + 1, 'notBefore is the time of issue');
like(CliTest::openssl_text('verify', '-CAfile', "$ca/ca.crt", $short->{crt}), qr/: OK$/m,
	'the short-lived certificate verifies');
($rc) = CliTest::run_cmd([ 'openssl', 'x509', '-in', $short->{crt}, '-noout', '-checkend', '601' ]);
is($rc, 1, 'openssl says it expires within 601 seconds');
my $long = CliTest::issue($ca, $certs, 'long_lived');
%dates = map { /^(\w+)=(.*)$/ ? ($1 => $2) : () } split /\n/,
  CliTest::openssl_text('x509', '-in', $long->{crt}, '-noout', '-startdate', '-enddate');
($not_before, $not_after) =
  map { Time::Piece->strptime($_, '%b %d %H:%M:%S %Y GMT')->epoch } @dates{qw(notBefore notAfter)};
is($not_after - $not_before, 365 * 86400, 'the default validity is exactly 365 days');

# --- the CA database records what cert issue issued --------------------------------------
my $alice = CliTest::issue($ca, $certs, 'rv_alice');
my $bob = CliTest::issue($ca, $certs, 'rv_bob', '--ou', 'eng');
my $carol = CliTest::issue($ca, $certs, 'rv_carol');
my $index = CliTest::slurp("$ca/index.txt");
for my $case ([ $alice, '/CN=rv_alice' ], [ $bob, '/OU=eng/CN=rv_bob' ], [ $carol, '/CN=rv_carol' ])
{
	my ($files, $subject) = @$case;
	like($index, qr/^V\t\d{12}Z\t\t$files->{serial}\tunknown\t\Q$subject\E$/m,
		"index.txt has a V line for $subject");
	my $serial = CliTest::openssl_text('x509', '-in', $files->{crt}, '-noout', '-serial');
	is($serial, "serial=$files->{serial}\n", "the printed serial of $subject is the certificate's");
}
is(scalar(my @lines = split /\n/, $index), 5, 'one line per issued certificate');

# --- a cluster that trusts the CA; everyone logs in first ---------------------------------
my $node = CliTest::cli_node('revocation', $ca);
my $pgdata = $node->data_dir;
for my $case ([ $alice, 'rv_alice' ], [ $bob, 'rv_bob' ], [ $carol, 'rv_carol' ])
{
	my ($files, $cn) = @$case;
	$node->connect_ok(CliTest::cert_connstr($node, $files, $cn, $ca), "$cn logs in before any revocation",
		sql => 'SELECT current_user', expected_stdout => qr/^\Q$cn\E$/);
}

# --- cert revoke --cert ----------------------------------------------------------------
($rc, $out, $err) = CliTest::cli('cert', 'revoke', '--ca', $ca, '--cert', $bob->{crt},
	'--reason', 'keyCompromise');
is($rc, 0, 'cert revoke --cert succeeds') or diag $err;
like($out, qr/^revoked certificate $bob->{serial} \(\/OU=eng\/CN=rv_bob\), reason keyCompromise$/m,
	'cert revoke names the certificate and the reason');
like($out, qr/^wrote \Q$ca\E\/crl\.pem: 1 revoked certificate, next update \d{4}-\d\d-\d\d /m,
	'cert revoke writes the CRL');
like($out, qr/server setup --pgdata PGDATA --ca \Q$ca\E --crl, then reload the server/,
	'cert revoke says how to put the CRL in place');
like(CliTest::slurp("$ca/index.txt"),
	qr/^R\t\d{12}Z\t\d{12}Z,keyCompromise\t$bob->{serial}\tunknown\t\/OU=eng\/CN=rv_bob$/m,
	'index.txt marks it revoked, with the time and the reason');

my $crl_text = CliTest::openssl_text('crl', '-in', "$ca/crl.pem", '-CAfile', "$ca/ca.crt", '-noout', '-text');
like($crl_text, qr/verify OK/, 'the CRL verifies with the CA certificate');
like($crl_text, qr/Version 2/, 'it is a version 2 CRL');
like($crl_text, qr/Next Update: \w+/, 'it has a next update');
like($crl_text, qr/X509v3 CRL Number:\s+1\b/, 'it is CRL number 1');
like($crl_text, qr/X509v3 Authority Key Identifier/, 'it names the CA key');
like($crl_text, qr/Serial Number: $bob->{serial}\s+Revocation Date: .*\s+CRL entry extensions:\s+X509v3 CRL Reason Code:\s+Key Compromise/,
	'it lists the revoked certificate with its reason');
like(CliTest::openssl_text('crl', '-in', "$ca/crl.pem", '-noout', '-nextupdate', '-lastupdate'),
	qr/nextUpdate=/, 'openssl reads the next update');
my ($vrc, $vout, $verr) = CliTest::run_cmd([ 'openssl', 'verify', '-crl_check', '-CRLfile', "$ca/crl.pem",
	'-CAfile', "$ca/ca.crt", $bob->{crt} ]);
like("$vout$verr", qr/certificate revoked/, 'openssl verify -crl_check finds the certificate revoked');
like(CliTest::openssl_text('verify', '-crl_check', '-CRLfile', "$ca/crl.pem", '-CAfile', "$ca/ca.crt",
	$alice->{crt}), qr/: OK$/m, 'and the other certificates good');

# Idempotent: revoking it again changes nothing.
my %digest = map { $_ => sha256_hex(CliTest::slurp("$ca/$_")) } qw(index.txt crl.pem crlnumber);
($rc, $out, $err) = CliTest::cli('cert', 'revoke', '--ca', $ca, '--cert', $bob->{crt});
is($rc, 0, 'revoking a revoked certificate succeeds') or diag $err;
like($out, qr/is already revoked; nothing changed/, 'and says it already was');
is(sha256_hex(CliTest::slurp("$ca/$_")), $digest{$_}, "$_ is unchanged by the second revoke")
  for qw(index.txt crl.pem crlnumber);

# Refusals.
($rc, $out, $err) = CliTest::cli('ca', 'init', '--dir', "$tmp/other_ca");
my $foreign = CliTest::issue("$tmp/other_ca", "$tmp/other_certs", 'rv_bob');
($rc, $out, $err) = CliTest::cli('cert', 'revoke', '--ca', $ca, '--cert', $foreign->{crt});
is($rc, 1, 'cert revoke refuses a certificate of another CA (exit 1)');
like($err, qr/was not issued by the CA in "\Q$ca\E"/, 'and says why');
($rc, $out, $err) = CliTest::cli('cert', 'revoke', '--ca', $ca, '--cert', "$ca/ca.crt");
is($rc, 1, 'cert revoke refuses the CA certificate itself');
like($err, qr/is the CA's own certificate/, 'and says why');
($rc, $out, $err) = CliTest::cli('cert', 'revoke', '--ca', $ca, '--serial', $foreign->{serial});
is($rc, 1, 'cert revoke --serial refuses a serial the CA never issued');
like($err, qr/serial $foreign->{serial} is not in .*index\.txt: this CA has no record of issuing it/,
	'and says why');
is(sha256_hex(CliTest::slurp("$ca/$_")), $digest{$_}, "$_ is unchanged by the refusals")
  for qw(index.txt crl.pem crlnumber);

# --- server setup --crl; a reload makes the server refuse the revoked certificate ------------
# Before the CRL is in place bob still gets in: revocation is what the CRL adds.
$node->connect_ok(CliTest::cert_connstr($node, $bob, 'rv_bob', $ca), 'without ssl_crl_file the revoked certificate still logs in');
my @setup = ('server', 'setup', '--pgdata', $pgdata, '--ca', $ca, '--database', 'postgres', '--crl');
($rc, $out, $err) = CliTest::cli(@setup);
is($rc, 0, 'server setup --crl succeeds') or diag $err;
like($out, qr/^changed: copied \Q$ca\E\/crl\.pem to \Q$pgdata\E\/pg_autouser_crl\.pem$/m,
	'it copies the CRL into the data directory');
like($out, qr/^changed: .*postgresql\.conf: ssl_crl_file = 'pg_autouser_crl\.pem'$/m, 'it sets ssl_crl_file');
like($out, qr/^unchanged: server certificate/m, 'it keeps the server certificate');
like($out, qr/^reload PostgreSQL for the changes to take effect/m, 'it says a reload is enough');
unlike($out, qr/restart/, 'and no restart is needed');
is(CliTest::slurp("$pgdata/pg_autouser_crl.pem"), CliTest::slurp("$ca/crl.pem"), 'the copy is the CRL');
is(CliTest::mode_of("$pgdata/pg_autouser_crl.pem"), '0600', 'the copy is mode 0600');
CliTest::reload_and_wait($node);
is($node->safe_psql('postgres', 'SHOW ssl_crl_file'), 'pg_autouser_crl.pem', 'the server uses the CRL');

$node->connect_fails(CliTest::cert_connstr($node, $bob, 'rv_bob', $ca),
	'a new login with the revoked certificate is refused',
	expected_stderr => qr/SSL error: .*alert certificate revoked/,
	# PostgreSQL 15 logs no reason (16 adds "Client certificate verification failed").
	log_like => [qr/could not accept SSL connection: certificate verify failed/],
	log_unlike => [qr/connection authorized: user=rv_bob/]);
$node->connect_ok(CliTest::cert_connstr($node, $alice, 'rv_alice', $ca),
	'a certificate that is not revoked still logs in',
	sql => 'SELECT current_user', expected_stdout => qr/^rv_alice$/);
$node->connect_ok(CliTest::cert_connstr($node, $short, 'short_lived', $ca),
	'so does the short-lived one');

# Running it again changes nothing.
my %pg_digest = map { $_ => sha256_hex(CliTest::slurp("$pgdata/$_")) } qw(postgresql.conf pg_autouser_crl.pem);
($rc, $out, $err) = CliTest::cli(@setup);
is($rc, 0, 'a second server setup --crl succeeds') or diag $err;
like($out, qr/^unchanged: revocation list \Q$pgdata\E\/pg_autouser_crl\.pem$/m, 'and keeps the CRL');
like($out, qr/^nothing changed/m, 'and changes nothing');
is(sha256_hex(CliTest::slurp("$pgdata/$_")), $pg_digest{$_}, "$_ is byte-identical after the second run")
  for qw(postgresql.conf pg_autouser_crl.pem);

# --- a second revocation accumulates (--serial); refreshing the copy is a reload --------------
($rc, $out, $err) = CliTest::cli('cert', 'revoke', '--ca', $ca, '--serial', lc($carol->{serial}) =~ s/(..)(?=.)/$1:/gr);
is($rc, 0, 'cert revoke --serial (lower case, with colons) succeeds') or diag $err;
like($out, qr/^revoked certificate $carol->{serial} \(\/CN=rv_carol\)$/m, 'it finds the certificate by serial');
like($out, qr/: 2 revoked certificates,/, 'the CRL now lists two');
$crl_text = CliTest::openssl_text('crl', '-in', "$ca/crl.pem", '-noout', '-text');
like($crl_text, qr/Serial Number: $_\b/, "the new CRL lists $_") for $bob->{serial}, $carol->{serial};
like($crl_text, qr/X509v3 CRL Number:\s+2\b/, 'it is CRL number 2');
$node->connect_ok(CliTest::cert_connstr($node, $carol, 'rv_carol', $ca),
	'until the new CRL is copied and reloaded, the server still admits the newly revoked certificate');
($rc, $out, $err) = CliTest::cli(@setup);
is($rc, 0, 'server setup --crl refreshes the copy') or diag $err;
like($out, qr/^changed: copied .*pg_autouser_crl\.pem \(backup: .*pg_autouser_crl\.pem\.pg_autouser-backup-/m,
	'backing up the old copy');
like($out, qr/^unchanged: settings in /m, 'without touching postgresql.conf');
like($out, qr/^reload PostgreSQL/m, 'and says a reload is enough');
CliTest::reload_and_wait($node);
$node->connect_fails(CliTest::cert_connstr($node, $carol, 'rv_carol', $ca),
	'after the reload the second revoked certificate is refused too',
	expected_stderr => qr/alert certificate revoked/);
$node->connect_fails(CliTest::cert_connstr($node, $bob, 'rv_bob', $ca), 'and the first one still is',
	expected_stderr => qr/alert certificate revoked/);
$node->connect_ok(CliTest::cert_connstr($node, $alice, 'rv_alice', $ca), 'alice still logs in');

# --- ca crl re-signs; setup --crl signs one itself when the CA has none -------------------
($rc, $out, $err) = CliTest::cli('ca', 'crl', '--dir', $ca, '--crl-days', '7');
is($rc, 0, 'ca crl succeeds') or diag $err;
like($out, qr/: 2 revoked certificates, next update/, 'ca crl keeps both revocations');
like(CliTest::openssl_text('crl', '-in', "$ca/crl.pem", '-noout', '-text'), qr/X509v3 CRL Number:\s+3\b/,
	'with the next CRL number');
%dates = map { /^(\w+)=(.*)$/ ? ($1 => $2) : () } split /\n/,
  CliTest::openssl_text('crl', '-in', "$ca/crl.pem", '-noout', '-lastupdate', '-nextupdate');
my ($last, $next) = map { Time::Piece->strptime($_, '%b %d %H:%M:%S %Y GMT')->epoch } @dates{qw(lastUpdate nextUpdate)};
is($next - $last, 7 * 86400, '--crl-days 7 puts the next update 7 days ahead');

my $fresh_ca = "$tmp/fresh_ca";
CliTest::cli('ca', 'init', '--dir', $fresh_ca);
my $plain = PostgreSQL::Test::Cluster->new('revocation_plain');
$plain->init;
($rc, $out, $err) = CliTest::cli('server', 'setup', '--pgdata', $plain->data_dir, '--ca', $fresh_ca, '--crl');
is($rc, 0, 'server setup --crl with a CA that never revoked succeeds') or diag $err;
like($out, qr/^changed: signed \Q$fresh_ca\E\/crl\.pem \(0 revoked, next update/m, 'it signs an empty CRL first');
like(CliTest::openssl_text('crl', '-in', $plain->data_dir . '/pg_autouser_crl.pem', '-CAfile', "$fresh_ca/ca.crt", '-noout'),
	qr/verify OK/, 'and copies it');

# --- doctor checks the CRL file ----------------------------------------------------------
my ($drc, $dout) = CliTest::cli('doctor', '--pgdata', $pgdata);
like($dout, qr/^OK +crl \(config\): \Q$pgdata\E\/pg_autouser_crl\.pem: CRL of \/CN=revocation test CA, 2 revoked, next update/m,
	'doctor reports the CRL in use');
($drc, $dout) = CliTest::cli('doctor', '--pgdata', $plain->data_dir);
like($dout, qr/^OK +crl \(config\)/m, 'doctor accepts an empty CRL');
unlink $plain->data_dir . '/pg_autouser_crl.pem';
($drc, $dout) = CliTest::cli('doctor', '--pgdata', $plain->data_dir);
like($dout, qr/^MISSING crl \(config\): ssl_crl_file = 'pg_autouser_crl\.pem': .* does not exist \(the server does not start without it\)\n +fix: pg_autouser ca crl --dir CADIR, then pg_autouser server setup/m,
	'doctor reports a missing CRL file and how to refresh it');
is($drc, 1, 'and fails');

# `openssl ca` reads the CA database as its own: a CRL it signs from index.txt lists the same.
sub openssl_gencrl
{
	my ($name, $index, $ca_dir, @args) = @_;
	open my $cnf, '>', "$tmp/$name.cnf" or die;
	print $cnf "[ ca ]\ndefault_ca = $name\n[ $name ]\ndatabase = $index\n"
	  . "crlnumber = $tmp/$name.crlnumber\ndefault_md = sha256\n";
	close $cnf;
	open my $num, '>', "$tmp/$name.crlnumber" or die;
	print $num "01\n";
	close $num;
	CliTest::openssl_text('ca', '-config', "$tmp/$name.cnf", '-gencrl', '-keyfile', "$ca_dir/ca.key",
		'-cert', "$ca_dir/ca.crt", '-out', "$tmp/$name.pem", @args);
	return "$tmp/$name.pem";
}
my $openssl_crl = CliTest::openssl_text('crl', '-noout', '-text', '-in',
	openssl_gencrl('compat', "$ca/index.txt", $ca, '-crldays', '1'));
is(join(',', sort($openssl_crl =~ /Serial Number: ([0-9A-F]+)/g)),
	join(',', sort($bob->{serial}, $carol->{serial})),
	'openssl ca -gencrl reads index.txt and revokes the same certificates');
like($openssl_crl, qr/Key Compromise/, 'with the same reason');

# A CRL past its next update makes the server refuse every certificate of its CA; doctor says so.
# (openssl signs it: the CLI only writes CRLs whose next update is days ahead.)
CliTest::run_cmd([ 'touch', "$tmp/empty_index.txt" ]);
my $expiring = openssl_gencrl('expiring', "$tmp/empty_index.txt", $fresh_ca, '-crlsec', '1');
CliTest::run_cmd([ 'cp', $expiring, $plain->data_dir . '/pg_autouser_crl.pem' ]);
# Poll until the one second has passed (bounded): doctor compares with the clock.
my $deadline = time + $PostgreSQL::Test::Utils::timeout_default;
my $expired;
while (time < $deadline)
{
	($drc, $dout) = CliTest::cli('doctor', '--pgdata', $plain->data_dir);
	last if ($expired = $dout =~ /^MISSING crl \(config\): .* passed its next update/m);
	select(undef, undef, undef, 0.1);    # poll interval, as poll_query_until's
}
ok($expired, 'doctor reports a CRL past its next update');
like($dout, qr/so the server refuses every certificate it issued/, 'and why it matters');

$node->stop;
done_testing();
