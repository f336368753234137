# 975_disable_blocked_by_options.pl -- red team 4 (issue 14): turning a rule
# off is refused because of its options.  The rules_check_options trigger
# (rule_options.c autouser_check_rule_options) checks the options of every
# row written, on UPDATE too, whatever the UPDATE changes, as the writer and
# as pg_autouser.admin_role:
#  - a delegate given UPDATE (enabled) on autouser.rules to switch rules off
#    in an incident cannot switch off a rule that a superuser wrote with a
#    search_path (only a superuser may "give" one) -- although it gives
#    nothing new, it takes away;
#  - once the admin role has lost CREATE on a tablespace a rule's
#    temp_tablespaces names, not even a superuser can switch that rule off
#    ("the admin role could not apply setting ..."); only DELETE (drop_rule)
#    still works, and a delegate with only UPDATE has no way at all.
# Expected: an UPDATE that only turns a rule off (or changes nothing in its
# options) is not refused for options that were accepted when written.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('rt4_disable',
	conf => "pg_autouser.admin_role = 'provisioner'\npg_autouser.cleanup = off\n");
sub sq { return $node->safe_psql('postgres', $_[0]); }
sub as_role { return AutouserTest::psql_as($node, @_); }
my $tsdir = $node->basedir . '/ts1';
mkdir $tsdir;
sq("CREATE TABLESPACE ts1 LOCATION '$tsdir'");
sq(q{
	CREATE ROLE provisioner NOLOGIN CREATEROLE;
	GRANT CREATE ON TABLESPACE ts1 TO provisioner;
	CREATE ROLE reader NOLOGIN;
	CREATE ROLE payroll NOLOGIN;
	CREATE SCHEMA app;
	CREATE EXTENSION pg_autouser;
	CREATE ROLE helpdesk LOGIN;
	GRANT USAGE ON SCHEMA autouser TO helpdesk;
	GRANT SELECT, UPDATE (enabled) ON autouser.rules TO helpdesk;
	CREATE ROLE retargeter LOGIN;
	GRANT USAGE ON SCHEMA autouser TO retargeter;
	GRANT SELECT, UPDATE (identity, enabled) ON autouser.rules TO retargeter;
});
my $sp = sq(q{SELECT autouser.add_rule('alice', ARRAY['payroll'],
	options => '{"settings": {"search_path": "app"}}')});
my $tt = sq(q{SELECT autouser.add_rule('bob', ARRAY['payroll'],
	options => '{"settings": {"temp_tablespaces": "ts1"}}')});
AutouserTest::wait_for_workers($node, 2);

is(as_role('helpdesk', "UPDATE autouser.rules SET enabled = false WHERE id = $sp"), 'ok:',
	'the helpdesk switches off the rule with a search_path');
is(sq("SELECT enabled FROM autouser.rules WHERE id = $sp"), 'f', 'it is off');
# Not judged again only while the row matches the same logins: pointing a
# superuser's search_path at everyone is a new use of it, judged as its writer.
like(as_role('retargeter', "UPDATE autouser.rules SET identity = '*', enabled = true WHERE id = $sp"),
	qr/^22023 only a superuser may give setting "search_path" in rule options/,
	'a delegate cannot point a superuser\'s search_path at other identities');
is(sq("SELECT identity FROM autouser.rules WHERE id = $sp"), 'alice', 'the rule is unchanged');

sq('REVOKE CREATE ON TABLESPACE ts1 FROM provisioner');
my ($ret, $out, $err) = $node->psql('postgres',
	"\\set VERBOSITY verbose\nUPDATE autouser.rules SET enabled = false WHERE id = $tt");
is($ret, 0, 'a superuser switches off the rule with a temp_tablespaces the admin role lost')
	or diag $err;
is(sq("SELECT enabled FROM autouser.rules WHERE id = $tt"), 'f', 'it is off');

$node->stop;
done_testing();
