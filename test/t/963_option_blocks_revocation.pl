# 963_option_blocks_revocation.pl -- red team (issue 14): an option that
# add_rule accepts but the admin role cannot apply stops every later rule
# change from reaching a role in use, so a revocation does not take effect.
# add_rule's check runs as the extension owner (rule_funcs.c
# autouser_add_rule inserts AUTOUSER_AS_OWNER; rule_options.c value_is_valid
# checks as the current user, a superuser), but the worker applies the
# setting with ALTER ROLE as pg_autouser.admin_role (role_options.c
# autouser_role_options_apply), where temp_tablespaces' check wants CREATE
# on the tablespace.  The rule change for alice then fails and is retried
# every second for ever; the dropped rule's role stays granted and her
# session goes on (on_revoke = terminate).  New logins matching the rule fail
# (57P03).  Expected: add_rule refuses what the admin role cannot apply, and
# a revocation applies.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('rt_revoke',
	conf => "pg_autouser.admin_role = 'provisioner'\n");
sub sq { return $node->safe_psql('postgres', $_[0]); }
my $tsdir = $node->basedir . '/ts1';
mkdir $tsdir;
sq("CREATE TABLESPACE ts1 LOCATION '$tsdir'");
sq(q{
	CREATE ROLE provisioner NOLOGIN CREATEROLE;
	CREATE ROLE reader NOLOGIN;
	CREATE ROLE payroll NOLOGIN;
	CREATE TABLE salaries (x int);
	GRANT SELECT ON salaries TO payroll;
	CREATE EXTENSION pg_autouser;
	SELECT autouser.add_rule('alice', ARRAY['payroll'], comment => 'revoked later');
	SELECT autouser.add_rule('*', ARRAY['reader']);
});
AutouserTest::wait_for_workers($node, 2);
my $alice = AutouserTest::hold(
	AutouserTest::cert_connstr($node, AutouserTest::client_cert(cn => 'alice'), 'alice'));
is($alice->{first}, 'READY', 'alice logs in');
is(AutouserTest::memberships($node, 'alice'), 'auto_user,payroll,reader', 'with payroll');

my ($ret, $out, $err) = $node->psql('postgres',
	q{SELECT autouser.add_rule('*', ARRAY['reader'], options => '{"settings": {"temp_tablespaces": "ts1"}}')});
like($err, qr/22023/, 'add_rule refuses a temp_tablespaces the admin role may not use');

sq(q{DELETE FROM autouser.rules WHERE comment = 'revoked later'});
my $revoked = 0;
for (1 .. 50)
{
	$revoked = 1, last if AutouserTest::memberships($node, 'alice') !~ /payroll/;
	select(undef, undef, undef, 0.2);
}
ok($revoked, 'dropping alice\'s payroll rule revokes payroll from her');
my $q = $alice->query('SELECT count(*) FROM salaries');
unlike($q, qr/^OK/, 'her session no longer reads salaries');
$alice->close;

$node->stop;
done_testing();
