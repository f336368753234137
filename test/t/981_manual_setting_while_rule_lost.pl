# 981_manual_setting_while_rule_lost.pl -- red team 5: a setting a superuser
# puts on a managed role by hand WHILE a rule gives that setting is reset when
# the rule goes (02545a5 records only the value found when pg_autouser first
# gives the setting).  role_options.c: the login compares the rules' settings
# with the settings label only, so the hand-set value is not seen; when no
# rule gives the setting, autouser_role_options_apply finds it in the label
# ("had"), finds no "@by_hand:" entry and runs ALTER ROLE ... RESET.  So
# statement_timeout = '1s', put on dave by hand to restrict him while a rule
# gives '1h', disappears with the rule: dave has no timeout at all.
# Expected: a value set by hand is never lost (put back when no rule gives
# the setting), whenever it was set.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('rt5_settings',
	conf => "pg_autouser.cleanup = off\npg_autouser.admin_role = 'provisioner'\n");
sub sq { return $node->safe_psql('postgres', $_[0]); }
sub settings { return AutouserTest::role_settings($node, $_[0]); }
sq(q{
	CREATE ROLE provisioner NOLOGIN CREATEROLE;
	CREATE ROLE reader NOLOGIN;
	CREATE EXTENSION pg_autouser;
	SELECT autouser.add_rule('*', ARRAY['reader']);
});
AutouserTest::wait_for_workers($node, 2);
AutouserTest::grant_admin_option($node, 'provisioner', 'reader');
my $dave = AutouserTest::cert_connstr($node, AutouserTest::client_cert(cn => 'dave'), 'dave');

my $rule = sq(q{SELECT autouser.add_rule('dave', ARRAY['reader'],
	options => '{"settings": {"statement_timeout": "1h"}}')});
$node->connect_ok($dave, 'dave is provisioned under a rule giving statement_timeout');
is(settings('dave'), 'statement_timeout=1h', 'the rule\'s value is the default');

# An administrator restricts dave by hand while the rule is in place.
sq(q{ALTER ROLE dave SET statement_timeout = '1s'});
$node->connect_ok($dave, 'dave logs in after the change by hand');
is(settings('dave'), 'statement_timeout=1s', 'the value set by hand stands while the rule is unchanged');

sq("SELECT autouser.drop_rule($rule)");
$node->connect_ok($dave, 'dave logs in after the rule is dropped');
is(settings('dave'), 'statement_timeout=1s',
	'the value set by hand while the rule applied is not reset');

$node->stop;
done_testing();
