# 012_cli_jdbc.pl -- GUI clients through pgjdbc (SPEC 8): `cert issue` writes the key as PKCS#8
# DER (.pk8) and, with --p12, a PKCS#12 bundle (password from a file or a terminal prompt without
# echo); `service --jdbc` prints a JDBC URL; Debian's pgjdbc, driven by a tiny Java program, logs
# in with exactly that URL: a first login (the extension creates the role), a reactivation after
# the role was deactivated, and the refusal of an unmanaged role, whose SQLSTATE pgjdbc reports as
# 28000.  The CN and the certificate directory hold characters a URL must encode.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use CliTest;
use File::Basename qw(basename);
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $pgjdbc = '/usr/share/java/postgresql.jar';    # Debian's libpostgresql-jdbc-java
for my $need ($pgjdbc, 'java', 'javac')
{
	my $found = $need =~ m{/} ? -r $need : grep { -x "$_/$need" } split /:/, $ENV{PATH};
	die "012_cli_jdbc.pl needs $need (test/install_deps.sh installs libpostgresql-jdbc-java and "
	  . "default-jdk-headless)"
	  unless $found;
}

my $tmp = PostgreSQL::Test::Utils::tempdir();
my $ca = "$tmp/ca";
my $certs = "$tmp/gui certs";    # a space, which the URL must encode
my ($rc, $out, $err) = CliTest::cli('ca', 'init', '--dir', $ca);
is($rc, 0, 'ca init succeeds') or diag $err;

# --- the files cert issue writes for GUI clients ------------------------------------
my $cn = 'j a&b=c+d%';    # every character pgjdbc's URL parser would misread unencoded
open my $pw, '>', "$tmp/p12 password" or die;
print $pw "correct horse\n";
close $pw;
my $alice = CliTest::issue($ca, $certs, $cn, '--p12', '--p12-password-file', "$tmp/p12 password");
is(CliTest::mode_of($alice->{pk8}), '0600', 'the .pk8 key is mode 0600');
is(CliTest::mode_of($alice->{p12}), '0600', 'the .p12 bundle is mode 0600');
like(CliTest::openssl_text('asn1parse', '-inform', 'DER', '-in', $alice->{pk8}),
	qr/^\s*0:d=0 .* SEQUENCE\s*\n.*INTEGER\s+:00\s*\n.*SEQUENCE\s*\n.*OBJECT\s+:id-ecPublicKey/,
	'the .pk8 is a DER PKCS#8 PrivateKeyInfo of an EC key');
CliTest::openssl_text('pkcs8', '-inform', 'DER', '-nocrypt', '-in', $alice->{pk8}, '-out', "$tmp/from_pk8.pem");
is(CliTest::openssl_text('pkey', '-in', "$tmp/from_pk8.pem", '-pubout'),
	CliTest::openssl_text('pkey', '-in', $alice->{key}, '-pubout'),
	'it is unencrypted and holds the same key as the .key');

my @p12 = ('pkcs12', '-in', $alice->{p12}, '-passin', "file:$tmp/p12 password");
my $p12_info = CliTest::openssl_text(@p12, '-info', '-nokeys');
like($p12_info, qr/friendlyName: user/, 'the bundle names the key "user", as pgjdbc looks it up');
CliTest::openssl_text(@p12, '-nokeys', '-clcerts', '-out', "$tmp/p12_client.pem");
CliTest::openssl_text(@p12, '-nokeys', '-cacerts', '-out', "$tmp/p12_ca.pem");
CliTest::openssl_text(@p12, '-nocerts', '-nodes', '-out', "$tmp/p12_key.pem");
is(CliTest::openssl_text('x509', '-in', "$tmp/p12_client.pem", '-noout', '-fingerprint'),
	CliTest::openssl_text('x509', '-in', $alice->{crt}, '-noout', '-fingerprint'),
	'the bundle holds the client certificate');
is(CliTest::openssl_text('x509', '-in', "$tmp/p12_ca.pem", '-noout', '-fingerprint'),
	CliTest::openssl_text('x509', '-in', "$ca/ca.crt", '-noout', '-fingerprint'),
	'and the CA certificate');
is(CliTest::openssl_text('pkey', '-in', "$tmp/p12_key.pem", '-pubout'),
	CliTest::openssl_text('pkey', '-in', $alice->{key}, '-pubout'), 'and the key');
($rc, $out, $err) = CliTest::run_cmd([ 'openssl', 'pkcs12', '-in', $alice->{p12}, '-passin', 'pass:wrong',
	'-noout' ]);
isnt($rc, 0, 'the bundle does not open with another password');

# The password from a terminal: asked twice, never echoed.
my ($tty_in, $tty_out) = ('', '');
my $h = IPC::Run::start(
	[ 'pg_autouser', 'cert', 'issue', '--ca', $ca, '--cn', 'tty_user', '--out', $certs, '--p12' ],
	'<pty<', \$tty_in, '>pty>', \$tty_out,
	IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
$h->pump until $tty_out =~ /Enter the PKCS#12 bundle password: /;
$tty_in .= "t0p secret\n";
$h->pump until $tty_out =~ /Enter it again: /;
$tty_in .= "t0p secret\n";
$h->finish;
is($h->result(0), 0, 'cert issue --p12 reads the password from the terminal');
unlike($tty_out, qr/t0p secret/, 'without echoing it');
like($tty_out, qr/^pkcs12 bundle: .*tty_user\.p12\r?$/m, 'and writes the bundle');
open $pw, '>', "$tmp/tty password" or die;
print $pw "t0p secret\n";
close $pw;
like(CliTest::openssl_text('pkcs12', '-in', "$certs/tty_user.p12", '-passin', "file:$tmp/tty password",
	'-info', '-nokeys'), qr/friendlyName: user/, 'the bundle opens with the password typed');

# Mismatched entries write nothing.
($tty_in, $tty_out) = ('', '');
$h = IPC::Run::start(
	[ 'pg_autouser', 'cert', 'issue', '--ca', $ca, '--cn', 'tty_typo', '--out', $certs, '--p12' ],
	'<pty<', \$tty_in, '>pty>', \$tty_out,
	IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
$h->pump until $tty_out =~ /password: /;
$tty_in .= "one\n";
$h->pump until $tty_out =~ /again: /;
$tty_in .= "two\n";
$h->finish;
is($h->result(0), 1, 'two different passwords fail (exit 1)');
like($tty_out, qr/the two PKCS#12 bundle passwords differ; nothing was written/, 'and say so');
ok(!-e "$certs/tty_typo.crt" && !-e "$certs/tty_typo.p12", 'and nothing was written');

# Without a terminal and without a file: a usage error, nothing written.
($rc, $out, $err) = CliTest::run_cmd([ 'setsid', '-w', 'pg_autouser', 'cert', 'issue', '--ca', $ca,
	'--cn', 'no_tty', '--out', $certs, '--p12' ]);
is($rc, 2, 'cert issue --p12 without a terminal is a usage error');
like($err, qr/there is no terminal to ask for the PKCS#12 bundle password on; give it with --p12-password-file FILE/,
	'and names the option to use');
ok(!-e "$certs/no_tty.crt", 'and writes nothing');
($rc, $out, $err) = CliTest::cli('cert', 'issue', '--ca', $ca, '--cn', 'x', '--out', $certs,
	'--p12-password-file', "$tmp/p12 password");
is($rc, 2, '--p12-password-file without --p12 is a usage error');

# --- service --jdbc ---------------------------------------------------------------------
my $node = CliTest::cli_node('jdbc', $ca);
my $port = $node->port;
sub jdbc_url
{
	my ($files) = @_;
	my ($rc, $out, $err) = CliTest::cli('service', '--jdbc', '--cert', $files->{crt}, '--key',
		$files->{key}, '--ca', "$ca/ca.crt", '--host', '127.0.0.1', '--port', $port, '-d', 'postgres');
	is($rc, 0, 'service --jdbc succeeds') or diag $err;
	chomp $out;
	return $out;
}
my $url = jdbc_url($alice);
my $enc_certs = $certs =~ s/ /%20/gr;
my $stem = 'j%2520a%2526b%253Dc%252Bd%2525';    # the file stem (j%20a...) percent-encoded again
is($url,
	"jdbc:postgresql://127.0.0.1:$port/postgres?user=j%20a%26b%3Dc%2Bd%25&sslmode=verify-full"
	  . "&sslcert=$enc_certs/$stem.crt&sslkey=$enc_certs/$stem.pk8&sslrootcert=$ca/ca.crt",
	'service --jdbc prints the URL with the .pk8 key, everything encoded');
($rc, $out, $err) = CliTest::cli('service', '--jdbc', '--name', 'x', '--cert', $alice->{crt}, '--key', $alice->{key});
is($rc, 2, 'service --jdbc --name is a usage error');
my $no_pk8 = "$tmp/no_pk8";
mkdir $no_pk8;
CliTest::run_cmd([ 'cp', $alice->{crt}, $alice->{key}, $no_pk8 ]);
($rc, $out, $err) = CliTest::cli('service', '--jdbc', '--cert', "$no_pk8/" . basename($alice->{crt}),
	'--key', "$no_pk8/" . basename($alice->{key}));
is($rc, 1, 'service --jdbc fails without a .pk8 next to the key');
like($err, qr/pgjdbc reads the key only as PKCS#8 DER.*openssl pkcs8 -topk8 -nocrypt -outform DER/,
	'and says how to make one');

# --- pgjdbc logs in with exactly that URL ------------------------------------------------
my $classes = "$tmp/classes";
mkdir $classes;
($rc, $out, $err) = CliTest::run_cmd([ 'javac', '-d', $classes, "$FindBin::RealBin/../java/JdbcLogin.java" ]);
is($rc, 0, 'the pgjdbc test program compiles') or diag $err;

# Returns pgjdbc's answer: { current_user } or { sqlstate, message }.
sub jdbc_login
{
	my ($jdbc_url, %env) = @_;
	my ($rc, $out, $err) = CliTest::run_cmd(
		[ 'java', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-cp', "$pgjdbc:$classes",
		  'JdbcLogin', $jdbc_url ], %env);
	diag "java exited $rc: $err" if $rc != 0 && $rc != 3;
	my %answer = map { /^(\w+)=(.*)$/ ? ($1 => $2) : () } split /\n/, $out;
	return \%answer;
}
sub sq { return $node->safe_psql('postgres', $_[0]); }
my $lit = $cn =~ s/'/''/gr;
sub events { return sq("SELECT string_agg(action, ' ' ORDER BY id) FROM autouser.events WHERE role = '$_[0]'"); }

is(sq("SELECT count(*) FROM pg_roles WHERE rolname = '$lit'"), '0', 'the role does not exist yet');
my $answer = jdbc_login($url);
is($answer->{current_user}, $cn, 'first login over pgjdbc: connected as the CN') or diag explain $answer;
is(AutouserTest::memberships($node, $cn) =~ /^auto_user/ ? 'managed' : 'not managed', 'managed',
	'the extension created the role in the group role');
like(events($cn), qr/^create\b/, 'a create event was recorded');

ok($node->poll_query_until('postgres', "SELECT NOT rolcanlogin FROM pg_roles WHERE rolname = '$lit'"),
	'after the session the role is deactivated');
like(events($cn), qr/^create deactivate$/, 'create, then deactivate');
$answer = jdbc_login($url);
is($answer->{current_user}, $cn, 'the next pgjdbc login reactivates it') or diag explain $answer;
$node->poll_query_until('postgres', "SELECT count(*) = 1 FROM autouser.events WHERE role = '$lit' AND action = 'reactivate'");
like(events($cn), qr/^create deactivate reactivate\b/, 'a reactivate event was recorded');

# The same login with the PKCS#12 bundle as the key, its password as sslpassword.
my $enc_p12 = "$enc_certs/$stem.p12";
(my $p12_url = $url) =~ s/&sslkey=[^&]*/&sslkey=$enc_p12/;
$answer = jdbc_login($p12_url, PGJDBC_SSLPASSWORD => 'correct horse');
is($answer->{current_user}, $cn, 'pgjdbc also logs in with the .p12 bundle') or diag explain $answer;

# An existing role the extension does not manage is refused: 28000, as pgjdbc reports it.
$node->safe_psql('postgres', 'CREATE ROLE jdbc_bob LOGIN');
my $bob = CliTest::issue($ca, $certs, 'jdbc_bob');
$answer = jdbc_login(jdbc_url($bob));
is($answer->{sqlstate}, '28000', 'pgjdbc reports SQLSTATE 28000 for an unmanaged role') or diag explain $answer;
like($answer->{message}, qr/role "jdbc_bob" exists and is not managed by pg_autouser/,
	'with the message the extension sends');
is(AutouserTest::memberships($node, 'jdbc_bob'), '', 'and the role is left alone');

$node->stop;
done_testing();
