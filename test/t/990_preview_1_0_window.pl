# 990_preview_1_0_window.pl -- red team 5 (attack on b6c6b05): 1.0's _preview (C symbol
# autouser_preview) reads the rules with the extension owner's rights as
# soon as the 1.1 library is loaded, before ALTER EXTENSION UPDATE runs.  A
# role given EXECUTE on all functions (as 980's monitor) but no SELECT on
# autouser.rules reads whom each identity is given while the schema is 1.0.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('bk7_win', conf => "pg_autouser.cleanup = off\n");
sub sq { return $node->safe_psql('postgres', $_[0]); }
sub as_monitor { my $r = AutouserTest::psql_as($node, 'monitor', $_[0]); return $r =~ /^ok:/ ? $r : $r =~ /^([0-9A-Z]{5}) / ? $1 : $r; }
sq(q{
	CREATE ROLE payroll NOLOGIN;
	CREATE EXTENSION pg_autouser VERSION '1.0';
	SELECT autouser.add_rule('ceo', ARRAY['payroll'], comment => 'secret');
	CREATE ROLE monitor LOGIN;
	GRANT USAGE ON SCHEMA autouser TO monitor;
	GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA autouser TO monitor;
});
AutouserTest::wait_for_workers($node, 2);
is(as_monitor(q{SELECT count(*) FROM autouser.rules}), '42501', '1.0: monitor cannot read the rules');
is(as_monitor(q{SELECT autouser.preview('ceo')}), '42501', '1.0: monitor cannot preview (SQL wrapper)');
is(as_monitor(q{SELECT autouser._preview('ceo', 'postgres', '{}', '{}')}), '42501',
	'1.0 schema, 1.1 library: monitor cannot read the rules through _preview');
$node->stop;
done_testing();
