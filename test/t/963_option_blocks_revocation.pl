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
# a revocation applies; a rule change that cannot be applied for any other
# reason ends the role's sessions.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('rt_revoke',
	conf => "pg_autouser.admin_role = 'provisioner'\npg_autouser.sweep_interval = 2\n");
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
AutouserTest::grant_admin_option($node, 'provisioner', qw(reader payroll));
my $alice = AutouserTest::hold(
	AutouserTest::cert_connstr($node, AutouserTest::client_cert(cn => 'alice'), 'alice'));
is($alice->{first}, 'READY', 'alice logs in');
is(AutouserTest::memberships($node, 'alice'), 'auto_user,payroll,reader', 'with payroll');

my ($ret, $out, $err) = $node->psql('postgres',
	"\\set VERBOSITY verbose\n"
	  . q{SELECT autouser.add_rule('*', ARRAY['reader'], options => '{"settings": {"temp_tablespaces": "ts1"}}')});
like($err, qr/ERROR:  22023: the admin role could not apply setting "temp_tablespaces" in rule options\nDETAIL:  PostgreSQL says, for role "provisioner": permission denied for tablespace ts1/,
	'add_rule refuses a temp_tablespaces the admin role may not use, with 22023');
is(sq(q{SELECT count(*) FROM autouser.rules WHERE options <> '{}'}), '0', 'and inserts nothing');

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

# The class: a rule change the workers cannot apply, whatever the reason
# (here the admin role lost CREATEROLE), must not leave a role in use with
# what the rules took away.  Its sessions end; cleanup strips it once it can.
sq(q{SELECT autouser.add_rule('carol', ARRAY['payroll'], comment => 'carol payroll')});
my $carol = AutouserTest::hold(
	AutouserTest::cert_connstr($node, AutouserTest::client_cert(cn => 'carol'), 'carol'));
is($carol->{first}, 'READY', 'carol logs in');
is(AutouserTest::memberships($node, 'carol'), 'auto_user,payroll,reader', 'with payroll');
sq('ALTER ROLE provisioner NOCREATEROLE');
sq(q{DELETE FROM autouser.rules WHERE comment = 'carol payroll'});
my $ended = 0;
for (1 .. 100)
{
	$ended = 1, last if $carol->query('SELECT count(*) FROM salaries') !~ /^OK/;
	select(undef, undef, undef, 0.2);
}
ok($ended, 'a rule change the admin role cannot apply ends the sessions of the role');
$carol->close;
ok($node->log_contains(qr/pg_autouser could not apply a rule change to role with OID \d+; its sessions are ended/),
	'and says so in the log');
sq('ALTER ROLE provisioner CREATEROLE');
my $stripped = 0;
for (1 .. 150)
{
	$stripped = 1, last if AutouserTest::memberships($node, 'carol') !~ /payroll/;
	select(undef, undef, undef, 0.2);
}
ok($stripped, 'once the admin role can again, the sweep strips the role');

$node->stop;
done_testing();
