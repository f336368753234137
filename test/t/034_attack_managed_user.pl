# 034_attack_managed_user.pl -- a managed role logs in only with its
# certificate and never holds a password (SPEC 5).  Reproduces finding 8 of
# the security review (alice gives herself a password; later password
# logins were admitted after her rule was gone, and the password survived
# deactivation), with variants: a superuser setting one, a trust login, and
# a role handed over with a password, which adoption clears.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('managed_user');
$node->safe_psql('postgres', q{
	CREATE ROLE reader NOLOGIN;
	CREATE ROLE legacy LOGIN PASSWORD 'secret';
	CREATE DATABASE legacydb;
	CREATE EXTENSION pg_autouser;
	SELECT autouser.add_rule('*', ARRAY['reader']);
});
# legacy logs in with its password to legacydb, and by certificate elsewhere.
my $hba = $node->data_dir . '/pg_hba.conf';
my $lines = PostgreSQL::Test::Utils::slurp_file($hba);
open my $fh, '>', $hba or die;
print $fh "hostssl legacydb legacy 127.0.0.1/32 scram-sha-256\n$lines";
close $fh;
$node->reload;
AutouserTest::wait_for_workers($node, 2);

sub cs { return AutouserTest::cert_connstr($node, @_); }
sub sq { return $node->safe_psql('postgres', $_[0]); }
my $alice = AutouserTest::client_cert(cn => 'alice');
my $pw_connstr = 'host=127.0.0.1 port=' . $node->port . ' dbname=legacydb sslmode=require';

# --- finding 8: alice sets herself a password ------------------------------
my ($ret, $out, $err) = $node->psql('postgres', "ALTER ROLE alice PASSWORD 'pw'",
	connstr => cs($alice, 'alice'));
isnt($ret, 0, 'finding 8: a managed role cannot give itself a password');
like($err, qr/role "alice" is managed by pg_autouser and cannot alter itself/,
	'saying why (it cannot alter itself at all: 913_attack_self_lock.pl)');
($ret, $out, $err) = $node->psql('postgres', "ALTER ROLE alice PASSWORD 'pw'");
isnt($ret, 0, 'nor can a superuser give it one');
like($err, qr/ERROR:  role "alice" is managed by pg_autouser and cannot have a password/, 'same error');
is(sq("SELECT rolpassword IS NULL FROM pg_authid WHERE rolname = 'alice'"), 't', 'alice has no password');

# Any other way in than its certificate is refused -- also while alice is
# active, with a session open (LOGIN alone would let a trust login in).
my $held = AutouserTest::hold(cs($alice, 'alice'));
is(sq("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'alice'"), 't', 'alice is active, with a session');
$node->connect_fails($node->connstr('postgres') . ' user=alice',
	'a trust login of an active managed role is refused',
	expected_stderr => qr/role "alice" is managed by pg_autouser and logs in only with its certificate/,
	log_like => [qr/does not authenticate the role by a certificate whose CN is the user name/]);
$held->close;
$node->poll_query_until('postgres', "SELECT NOT rolcanlogin FROM pg_roles WHERE rolname = 'alice'");
sq("DELETE FROM autouser.rules");
$node->connect_fails($node->connstr('postgres') . ' user=alice',
	'also after her rule is gone and she is inactive',
	expected_stderr => qr/role "alice" is managed by pg_autouser and logs in only with its certificate/);

# --- a role handed over with a password: adoption clears it ---------------
sq("SELECT autouser.add_rule('*', ARRAY['reader'])");
sq('GRANT auto_user TO legacy');
$node->connect_ok("$pw_connstr user=legacy password=secret",
	'handed over but not yet adopted: the password still works');
$node->connect_ok(cs(AutouserTest::client_cert(cn => 'legacy'), 'legacy'),
	'its first certificate login adopts it');
is(sq("SELECT rolpassword IS NULL FROM pg_authid WHERE rolname = 'legacy'"), 't',
	'adoption cleared the password');
$node->connect_fails("$pw_connstr user=legacy password=secret",
	'and from now on the role logs in only with its certificate',
	expected_stderr => qr/password authentication failed|logs in only with its certificate/);
is(sq("SELECT role FROM autouser.users WHERE role = 'legacy'"), 'legacy', 'legacy is now managed');

$node->stop;
done_testing();
