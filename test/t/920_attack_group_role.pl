# 920_attack_group_role.pl -- found by adversarial review (operator
# mistake): pg_autouser.group_role pointed at a NOLOGIN CREATEROLE role;
# every login became its member and could SET ROLE to it and grant itself
# pg_execute_server_program.  The group role must hold nothing: logins are
# refused (57P03) while it does, and CREATE EXTENSION refuses such a role.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('grp');
$node->safe_psql('postgres', q{
	CREATE ROLE reader NOLOGIN;
	CREATE ROLE admins NOLOGIN CREATEROLE;
	CREATE EXTENSION pg_autouser;
	SELECT autouser.add_rule('*', ARRAY['reader']);
});
AutouserTest::wait_for_workers($node, 2);
AutouserTest::set_conf($node, 'pg_autouser.group_role', 'admins');
my ($ret, $out, $err) = $node->psql('postgres', q{
	SET ROLE admins;
	GRANT pg_execute_server_program TO mallory;
	RESET ROLE;
	SELECT pg_has_role('mallory', 'pg_execute_server_program', 'MEMBER');
}, connstr => AutouserTest::cert_connstr($node, AutouserTest::client_cert(cn => 'mallory'), 'mallory'));
like($err, qr/cannot provision role "mallory" now/, 'the login is refused while the group role is privileged');
isnt($out, 't', 'SPEC 6: a login never reaches CREATEROLE / pg_execute_server_program through the group role');

# A group role that holds another role passes it on the same way.
$node->safe_psql('postgres', 'CREATE ROLE everyone NOLOGIN; GRANT pg_read_all_data TO everyone');
AutouserTest::set_conf($node, 'pg_autouser.group_role', 'everyone');
$node->connect_fails(AutouserTest::cert_connstr($node, AutouserTest::client_cert(cn => 'mallory'), 'mallory'),
	'a group role that is a member of another role: refused too',
	expected_stderr => qr/cannot provision role "mallory" now/,
	log_like => [qr/pg_autouser.group_role "everyone" has LOGIN, SUPERUSER, CREATEROLE, REPLICATION or BYPASSRLS, or is a member of other roles/]);
($ret, $out, $err) = $node->psql('postgres', 'DROP EXTENSION pg_autouser; CREATE EXTENSION pg_autouser');
like($err, qr/pg_autouser.group_role "everyone" must be a NOLOGIN role with no other attributes and no memberships/,
	'CREATE EXTENSION refuses such a group role');
AutouserTest::set_conf($node, 'pg_autouser.group_role', 'auto_user');
$node->safe_psql('postgres', q{CREATE EXTENSION IF NOT EXISTS pg_autouser;
	SELECT autouser.add_rule('*', ARRAY['reader'])});
$node->connect_ok(AutouserTest::cert_connstr($node, AutouserTest::client_cert(cn => 'mallory'), 'mallory'),
	'with a plain group role, logins work again');
$node->stop;
done_testing();
