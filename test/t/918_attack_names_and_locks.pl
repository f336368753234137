# 918_attack_names_and_locks.pl -- found by adversarial review (LOW):
# (a) a CN "public" or "none", names CREATE ROLE reserves, was answered
# 57P03 "provisioning failed" instead of a 28000 refusal; (b) the role lock
# was keyed on a 32-bit hash of the name, so a delegate holding
# deactivate('u5652') in an open transaction blocked u17882's first login;
# (c) a newline in an OU reached events.detail (and the client's message)
# through a template expansion.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use RawCert;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('low', conf => "pg_autouser.provision_timeout = 3000\n");
$node->safe_psql('postgres', q{
	CREATE ROLE reader NOLOGIN;
	CREATE ROLE team_x NOLOGIN;
	CREATE ROLE helpdesk LOGIN;
	CREATE EXTENSION pg_autouser;
	SELECT autouser.add_rule('*', ARRAY['reader']);
	SELECT autouser.add_rule('*', ARRAY['team_{{cert.OU}}'], cert_ou => 'x');
	GRANT USAGE ON SCHEMA autouser TO helpdesk;
	GRANT EXECUTE ON FUNCTION autouser.deactivate(name, boolean) TO helpdesk;
});
AutouserTest::wait_for_workers($node, 2);
sub cs { return AutouserTest::cert_connstr($node, @_); }
sub sq { return $node->safe_psql('postgres', $_[0]); }

# (a)
for my $cn (qw(public none))
{
	my ($ret, $out, $err) = $node->psql('postgres', 'SELECT 1',
		connstr => cs(AutouserTest::client_cert(cn => $cn), $cn));
	unlike($err, qr/cannot provision role .* now/, "(a) CN $cn is refused (28000), not 57P03") or diag($err);
}

# (b)
is(sq(q{SELECT hashtext('u5652') = hashtext('u17882')}), 't', '(b) the two names share a 32-bit hash');
$node->connect_ok(cs(AutouserTest::client_cert(cn => 'u5652'), 'u5652'), '(b) u5652 is provisioned');
$node->poll_query_until('postgres', "SELECT NOT rolcanlogin FROM pg_roles WHERE rolname = 'u5652'");
my $hd = AutouserTest::open_session($node->connstr('postgres') . ' user=helpdesk');
is($hd->query_safe(q{BEGIN; SELECT autouser.deactivate('u5652');}), 'f',
	'(b) the delegate deactivates the inactive u5652 (nothing to do) and keeps the transaction open');
my ($ret, $out, $err) = $node->psql('postgres', 'SELECT 1',
	connstr => cs(AutouserTest::client_cert(cn => 'u17882'), 'u17882'));
is($ret, 0, "(b) u17882's first login is not blocked by a lock on u5652") or diag($err);
$hd->query_safe('ROLLBACK');
$hd->quit;

# (c)
my $c = RawCert::raw_cert([ [ [ 'OU', 'x', undef ] ], [ [ 'OU', "y\nforged line", undef ] ], [ [ 'CN', 'carol', undef ] ] ]);
$node->psql('postgres', 'SELECT 1', connstr => cs($c, 'carol'));
$node->poll_query_until('postgres', q{SELECT count(*) > 0 FROM autouser.events WHERE identity = 'carol'});
is(sq(q{SELECT count(*) FROM autouser.events WHERE detail ~ '[[:cntrl:]]'}), '0',
	'(c) no control characters from certificate text in the audit trail');
$node->stop;
done_testing();
