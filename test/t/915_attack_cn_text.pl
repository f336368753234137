# 915_attack_cn_text.pl -- found by adversarial review: a certificate whose
# CN is a BMPString U+626F U+625F, whose bytes read "bob_".  PostgreSQL
# matches the user name against the raw bytes, so the login is bob_; the
# CN decoded as text is another person's name, and a rule
# 'user_{{cert.CN}}' granted bob_ that person's role.  The text and the
# bytes must be the same name, or the login is refused.
use strict;
use warnings;
use utf8;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use RawCert;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('bmp');
my $victim_role = "user_\x{626F}\x{625F}";
$node->safe_psql('postgres', qq{
	CREATE ROLE reader NOLOGIN;
	CREATE ROLE "$victim_role" NOLOGIN;
	CREATE EXTENSION pg_autouser;
	SELECT autouser.add_rule('*', ARRAY['reader', 'user_{{cert.CN}}']);
});
AutouserTest::wait_for_workers($node, 2);
my $cert = RawCert::raw_cert([ [ [ 'CN', "\x{626F}\x{625F}", 'BMPString' ] ] ]);
my ($ret, $out, $err) = $node->psql('postgres',
	q{SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles WHERE pg_has_role(current_user, oid, 'MEMBER')},
	connstr => AutouserTest::cert_connstr($node, $cert, 'bob_'));
utf8::decode($out);
isnt($ret, 0, 'the login whose CN reads differently as text is refused');
like($err, qr/certificate subject of "bob_" cannot be read/, 'as an unreadable subject');
# An ASCII test name: 17's test modules make the wide-character warning fatal.
unlike($out, qr/user_\x{626F}/, 'the login bob_ does not get the personal role of its BMP CN');
$node->stop;
done_testing();
