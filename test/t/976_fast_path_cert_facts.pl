# 976_fast_path_cert_facts.pl -- the fast path reads a login's certificate
# facts (issuer, serial, notAfter) only when it admits the login (3c50952):
# a fast-path session still shows them in autouser.sessions, still ends when
# its certificate expires or is revoked; and an existing role is asked
# whether it is managed only where pg_autouser is inert: an unmanaged role
# then logs in as in plain PostgreSQL, a managed one and a new identity are
# refused.  (From the review of 3c50952.)
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('fast_path_cert_facts');
$node->safe_psql('postgres', q{
	CREATE ROLE reader NOLOGIN;
	CREATE ROLE plainrole LOGIN;
	CREATE EXTENSION pg_autouser;
	SELECT autouser.add_rule('*', ARRAY['reader']);
});
AutouserTest::wait_for_workers($node, 2);
sub cs { return AutouserTest::cert_connstr($node, @_); }
sub cert { return AutouserTest::client_cert(@_); }
sub sq { return $node->safe_psql('postgres', $_[0]); }

# dave and erin are provisioned (by a worker) and stay logged in, so their
# next logins take the fast path; gina is provisioned and logs out.
my $dave0 = AutouserTest::hold(cs(cert(cn => 'dave'), 'dave'));
is($dave0->{first}, 'READY', 'dave provisioned');
my $erin_cert = cert(cn => 'erin');
my $erin0 = AutouserTest::hold(cs(cert(cn => 'erin'), 'erin'));
is($erin0->{first}, 'READY', 'erin provisioned');
$node->connect_ok(cs(cert(cn => 'gina'), 'gina'), 'gina provisioned');

my $fp0 = sq("SELECT value FROM autouser.stats WHERE name = 'logins_fast_path'");
# A fast-path login with a certificate that expires in 8 s.
my $short = AutouserTest::expiring_cert('dave', 8);
my $dave = AutouserTest::hold(cs($short, 'dave'));
is($dave->{first}, 'READY', 'dave (fast path) holds a session');
my $fp1 = sq("SELECT value FROM autouser.stats WHERE name = 'logins_fast_path'");
ok($fp1 > $fp0, "it was the fast path ($fp0 -> $fp1)");
is(sq("SELECT bool_and(cert_serial IS NOT NULL AND cert_issuer IS NOT NULL AND cert_not_after IS NOT NULL) FROM autouser.sessions WHERE role = 'dave'"), 't', 'sessions view has cert facts');
my $ended = $dave->query('SELECT pg_sleep(60)');
like($ended, qr/^ERROR 57P01 terminating connection because its client certificate expired/, 'fast-path session ends on expiry');
$dave->close;

# A fast-path login whose certificate is then revoked.
my $erin = AutouserTest::hold(cs($erin_cert, 'erin'));
is($erin->{first}, 'READY', 'erin (fast path) holds a session');
ok(sq("SELECT value FROM autouser.stats WHERE name = 'logins_fast_path'") > $fp1, 'fast path');
my $crl = $node->data_dir . '/crl.pem';
AutouserTest::revoke_cert($erin_cert, $crl);
AutouserTest::set_conf($node, 'ssl_crl_file', 'crl.pem');
like($erin->query('SELECT 1'), qr/^ERROR 57P01 terminating connection because its client certificate was revoked/, 'fast-path session revoked');
$erin->close;

# While active: an existing unmanaged role a rule matches is refused.
$node->connect_fails(cs(cert(cn => 'plainrole'), 'plainrole'), 'unmanaged role refused while active',
	expected_stderr => qr/not managed by pg_autouser/);

# Inert (no extension): only unmanaged roles log in.
sq("DROP EXTENSION pg_autouser");
$node->connect_ok(cs(cert(cn => 'plainrole'), 'plainrole'), 'inert: unmanaged role logs in as plain PostgreSQL');
$node->connect_fails(cs(cert(cn => 'gina'), 'gina'), 'inert: managed role refused',
	expected_stderr => qr/cannot provision role "gina" now/);
$node->connect_fails(cs(cert(cn => 'newbie'), 'newbie'), 'inert: new identity refused',
	expected_stderr => qr/cannot provision role "newbie" now/);
$node->stop;
done_testing();
