# 006_admin_role.pl -- least privilege and policy settings: provisioning as a
# dedicated non-superuser CREATEROLE admin role, pg_autouser.forbidden_roles
# and the admin role itself refused on reload, a login that fails after the
# hook (no such database) leaving nothing active behind.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('admin_role');
$node->safe_psql('postgres', q{
	CREATE ROLE provisioner NOLOGIN CREATEROLE;
	CREATE ROLE reader NOLOGIN;
	CREATE ROLE auditor NOLOGIN;
	CREATE EXTENSION pg_autouser;
	SELECT autouser.add_rule('*', ARRAY['reader']);
	SELECT autouser.add_rule('audited*', ARRAY['auditor']);
});
AutouserTest::wait_for_workers($node, 2);

sub cs { return AutouserTest::cert_connstr($node, @_); }
sub cert { return AutouserTest::client_cert(@_); }
sub set_conf { AutouserTest::set_conf($node, @_); }

# --- provisioning as a non-superuser CREATEROLE role ---------------------------
$node->poll_query_until('postgres', "SELECT count(*) = 1 FROM pg_roles WHERE rolname = 'auto_user'")
  or die 'the workers did not create the group role';
AutouserTest::grant_admin_option($node, 'provisioner', qw(auto_user reader auditor));
set_conf('pg_autouser.admin_role', 'provisioner');
my $frank = cert(cn => 'frank');
my $session = AutouserTest::open_session(cs($frank, 'frank'));
is(AutouserTest::memberships($node, 'frank'), 'auto_user,reader', 'the admin role provisioned frank');
is($node->safe_psql('postgres', q{
	SELECT grantor::regrole FROM pg_auth_members WHERE member = 'frank'::regrole AND roleid = 'reader'::regrole}),
	'provisioner', 'the grant was made by the admin role, not a superuser');
$session->quit;
ok($node->poll_query_until('postgres', "SELECT NOT rolcanlogin FROM pg_roles WHERE rolname = 'frank'"),
	'the admin role also deactivates frank');

# The admin role cannot hand out what it does not have the right to.
$node->safe_psql('postgres', q{
	CREATE ROLE su_group NOLOGIN SUPERUSER;
	INSERT INTO autouser.rules (identity, roles) VALUES ('grace', '{su_group}')});
$node->connect_fails(cs(cert(cn => 'grace'), 'grace'), 'a rule granting a superuser role is refused',
	expected_stderr => qr/role "su_group" may not be granted by pg_autouser/);
# The admin role is never acted on (SPEC 5): its certificate login is plain
# PostgreSQL's, here refused because it is NOLOGIN.
$node->connect_fails(cs(cert(cn => 'provisioner'), 'provisioner'),
	'a CN naming the admin role gets plain PostgreSQL, not provisioning',
	expected_stderr => qr/role "provisioner" is not permitted to log in/);

# --- pg_autouser.forbidden_roles and the admin role take effect on reload -------------
set_conf('pg_autouser.forbidden_roles', 'auditor');
$node->connect_fails(cs(cert(cn => 'audited_one'), 'audited_one'), 'a role in forbidden_roles is refused',
	expected_stderr => qr/role "auditor" may not be granted by pg_autouser/,
	log_like => [qr/Role "auditor" is listed in pg_autouser.forbidden_roles/]);
is(AutouserTest::memberships($node, 'audited_one'), 'MISSING', 'no role was created');
my ($ret, $out, $err) = $node->psql('postgres', "SELECT autouser.add_rule('x', ARRAY['auditor'])");
like($err, qr/role "auditor" may not be granted by pg_autouser/, 'add_rule refuses it too');
($ret, $out, $err) = $node->psql('postgres', "SELECT autouser.add_rule('x', ARRAY['provisioner'])");
like($err, qr/role "provisioner" may not be granted by pg_autouser/, 'add_rule refuses the admin role');
set_conf('pg_autouser.forbidden_roles', '');
$node->connect_ok(cs(cert(cn => 'audited_two'), 'audited_two'), 'with the list emptied the login works');

# --- a login to a database that does not exist provisions nothing ----------------
$node->connect_fails(cs(cert(cn => 'lost'), 'lost', 'nosuchdb'), 'a login to a missing database fails',
	expected_stderr => qr/role "lost" does not exist/);
is(AutouserTest::memberships($node, 'lost'), 'MISSING', 'and no role was made for it');

$node->stop;
done_testing();
