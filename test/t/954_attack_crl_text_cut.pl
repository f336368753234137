# 954_attack_crl_text_cut.pl -- found by the second adversarial review: the revocation check
# compares certificates by issuer and serial *text cut to fixed sizes*
# (login.h: AUTOUSER_ISSUER_BYTES 256, AUTOUSER_SERIAL_BYTES 64;
# cert_attrs.c autouser_x509_name_text / autouser_serial_text;
# terminate.c is_revoked), not as OpenSSL does (X509_NAME_cmp on the
# whole name, the whole ASN1_INTEGER).
#
#  a) a certificate whose serial is 32 bytes (64 hex digits) is recorded
#     as 63 digits; after it is revoked and the CRL reloaded, the number
#     parsed back never matches: the open session goes on (SPEC 7
#     "Revocation lists": sessions whose certificate is now revoked are
#     ended).  PostgreSQL itself refuses the certificate at the handshake.
#  b) two trusted CAs whose RFC 2253 names agree in their first 255 bytes
#     (a long OU; they differ only in C=): CA "DE" revokes its own
#     certificate with serial 0x1234; alice's certificate from CA "US"
#     has the same serial.  Her session is terminated as "revoked" although
#     her certificate is not (access ends when it should not).
# FAILS on 84c6745; passes once the issuer and serial are kept whole (or
# compared with X509_NAME_cmp / ASN1_INTEGER_cmp on the DER).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('rt2_crl');
$node->safe_psql('postgres', q{
	CREATE ROLE reader NOLOGIN;
	CREATE EXTENSION pg_autouser;
	SELECT autouser.add_rule('*', ARRAY['reader']);
});
AutouserTest::wait_for_workers($node, 2);
my $dir = $AutouserTest::certdir;
sub ossl { return AutouserTest::run_openssl(@_); }

# Two CAs, names identical for 255+ bytes in RFC 2253 order (CN, OU, O, C).
# (several OUs: one may hold at most 64 characters)
my $ous = join('', map { "/OU=Public Key Infrastructure Operations, Division $_" } 1 .. 6);
my %ca;
for my $c (qw(US DE))
{
	my $d = "$dir/ca_$c";
	mkdir $d;
	ossl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', "$d/ca.key");
	ossl('req', '-x509', '-new', '-key', "$d/ca.key", '-days', '2',
		'-subj', "/C=$c/O=Example Corporation$ous/CN=Example Issuing CA",
		'-out', "$d/ca.crt");
	append_to_file("$d/index.txt", '');
	append_to_file("$d/crlnumber", "01\n");
	append_to_file("$d/ca.cnf", <<"CNF");
[ca]
default_ca = this_ca
[this_ca]
database = $d/index.txt
new_certs_dir = $d
certificate = $d/ca.crt
private_key = $d/ca.key
crlnumber = $d/crlnumber
default_md = sha256
default_crl_days = 1
CNF
	$ca{$c} = $d;
}
my $seq = 0;
# A client certificate for cn from CA $c with serial $serial (hex).
sub issue
{
	my ($c, $cn, $serial) = @_;
	my $n = 'k' . ++$seq;
	ossl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', "$dir/$n.key");
	ossl('req', '-new', '-key', "$dir/$n.key", '-subj', "/CN=$cn", '-out', "$dir/$n.csr");
	ossl('x509', '-req', '-in', "$dir/$n.csr", '-CA', "$ca{$c}/ca.crt", '-CAkey', "$ca{$c}/ca.key",
		'-set_serial', "0x$serial", '-days', '2', '-out', "$dir/$n.crt");
	chmod 0600, "$dir/$n.key";
	return ("sslcert=$dir/$n.crt sslkey=$dir/$n.key", "$dir/$n.crt");
}
sub revoke { my ($c, $crt) = @_; ossl('ca', '-batch', '-config', "$ca{$c}/ca.cnf", '-revoke', $crt); }

# The server trusts both CAs.
my $pgdata = $node->data_dir;
append_to_file("$pgdata/ca.crt", slurp_file("$ca{US}/ca.crt") . slurp_file("$ca{DE}/ca.crt"));
$node->reload;

my $long_serial = '7f' . ('ab' x 31);    # 32 bytes
my ($carl_cs, $carl_crt) = issue('US', 'carl', $long_serial);
my ($alice_cs) = issue('US', 'alice', '1234');
my (undef, $dora_crt) = issue('DE', 'dora', '1234');

my $carl = AutouserTest::hold(AutouserTest::cert_connstr($node, $carl_cs, 'carl'));
my $alice = AutouserTest::hold(AutouserTest::cert_connstr($node, $alice_cs, 'alice'));
is("$carl->{first} $alice->{first}", 'READY READY', 'carl (32-byte serial) and alice (CA US) hold sessions');
cmp_ok(length(ossl('x509', '-noout', '-issuer', '-nameopt', 'RFC2253', '-in', "$ca{US}/ca.crt")), '>', 280,
	'(the CAs\' names are longer than 255 bytes)');
my $shown = $node->safe_psql('postgres', q{SELECT cert_serial FROM autouser.sessions WHERE role = 'carl'});
is(lc $shown, $long_serial, 'autouser.sessions shows carl\'s whole serial');

# CA US revokes carl's certificate; CA DE revokes dora's (serial 1234).
revoke('US', $carl_crt);
revoke('DE', $dora_crt);
ossl('ca', '-batch', '-config', "$ca{US}/ca.cnf", '-gencrl', '-out', "$dir/us.crl");
ossl('ca', '-batch', '-config', "$ca{DE}/ca.cnf", '-gencrl', '-out', "$dir/de.crl");
append_to_file("$pgdata/crl.pem", slurp_file("$dir/us.crl") . slurp_file("$dir/de.crl"));
AutouserTest::set_conf($node, 'ssl_crl_file', 'crl.pem');
sleep 1;

like($carl->query('SELECT 1'), qr/^ERROR 57P01 .*revoked/,
	'SPEC 7: carl\'s revoked certificate (long serial) ends his open session');
is($alice->query('SELECT 1'), 'OK 1',
	'SPEC 7: alice\'s certificate is not revoked (another CA revoked the same serial): her session goes on');
$node->connect_ok(AutouserTest::cert_connstr($node, $alice_cs, 'alice'),
	'(PostgreSQL itself still admits alice\'s certificate)');
$node->connect_fails(AutouserTest::cert_connstr($node, $carl_cs, 'carl'),
	'(PostgreSQL itself refuses carl\'s revoked certificate)');
$carl->close;
$alice->close;
$node->stop;
done_testing();
