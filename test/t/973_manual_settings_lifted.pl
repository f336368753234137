# 973_manual_settings_lifted.pl -- red team 4 (issue 14): a role setting a
# superuser puts on a managed role by hand is overwritten by any rule that
# gives the same setting, even a looser value, and then reset when the rule
# goes.  role_options.c autouser_role_options_apply compares the rules'
# settings with the settings label only (what pg_autouser gave): a setting
# the label does not hold is simply SET to the rule's value, and once in the
# label it is RESET when no rule gives it.  So statement_timeout = 1s and
# default_transaction_read_only = on, put on dave by hand to restrict him,
# become 1h and off while a rule gives those, and disappear when it is
# dropped.  Rules among themselves keep the most restrictive value (SPEC 4);
# a value set by hand gets less than a rule's.  The module's own header says
# "Only settings pg_autouser gave are ever reset".  Expected: a setting set by
# hand is never lost: put back when no rule gives the setting any more.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('rt4_settings',
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

$node->connect_ok($dave, 'dave is provisioned');
sq(q{ALTER ROLE dave SET statement_timeout = '1s'});
sq(q{ALTER ROLE dave SET default_transaction_read_only = on});
$node->connect_ok($dave, 'dave logs in with the settings set by hand');
is(settings('dave'), 'statement_timeout=1s,default_transaction_read_only=on',
	'a login without rule settings keeps them');

my $rule = sq(q{SELECT autouser.add_rule('dave', ARRAY['reader'],
	options => '{"settings": {"statement_timeout": "1h", "default_transaction_read_only": false}}')});
$node->connect_ok($dave, 'dave logs in under a rule with looser values');
# While a rule gives a setting, the rule's value is the role's default: every
# setting a rule may give is one a user may change for itself (SET), so a
# value set by hand bound nothing that the rule's value lifts.  What must not
# happen is losing it: it comes back when no rule gives the setting.
is(settings('dave'), 'statement_timeout=1h,default_transaction_read_only=false',
	'while the rule gives them, its values are the defaults');
sq("SELECT autouser.drop_rule($rule)");
$node->connect_ok($dave, 'dave logs in after the rule is dropped');
is(settings('dave'), 'statement_timeout=1s,default_transaction_read_only=on',
	'the values set by hand are not reset');

$node->stop;
done_testing();
