# 960_delegate_search_path.pl -- red team (issue 14): a delegate with only
# EXECUTE on autouser.add_rule gives its rule a search_path into a schema it
# owns.  add_rule inserts as the extension owner (rule_funcs.c
# autouser_add_rule, AUTOUSER_AS_OWNER), so the rules_check_options trigger
# runs as a superuser and read_setting()'s "only a superuser may give
# search_path" check (rule_options.c) passes.  The victim's sessions then
# resolve unqualified names in the delegate's schema: the delegate's code
# runs with the victim's rights.  Expected: 22023, nothing inserted, and no
# code of the delegate runs as the victim.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('rt_sp',
	conf => "pg_autouser.admin_role = 'provisioner'\n");
$node->safe_psql('postgres', q{
	CREATE ROLE provisioner NOLOGIN CREATEROLE;
	CREATE ROLE payroll NOLOGIN;
	CREATE TABLE salaries (who text, amount int);
	INSERT INTO salaries VALUES ('ceo', 1000000);
	GRANT SELECT ON salaries TO payroll;
	CREATE EXTENSION pg_autouser;
	SELECT autouser.add_rule('victim', ARRAY['payroll']);
	CREATE ROLE helpdesk LOGIN;
	CREATE SCHEMA hd AUTHORIZATION helpdesk;
	GRANT USAGE ON SCHEMA autouser TO helpdesk;
	GRANT EXECUTE ON FUNCTION autouser.add_rule(text, text[], text, text, text, jsonb) TO helpdesk;
});
AutouserTest::wait_for_workers($node, 2);
AutouserTest::grant_admin_option($node, 'provisioner', 'payroll');
sub sq { return $node->safe_psql('postgres', $_[0]); }

# The delegate's trap: a table that records what its readers may read.
$node->safe_psql('postgres', q{
	SET ROLE helpdesk;
	CREATE TABLE hd.loot (who name, what text);
	GRANT INSERT ON hd.loot TO PUBLIC;
	CREATE FUNCTION hd.steal() RETURNS SETOF salaries LANGUAGE plpgsql AS $$
	BEGIN
		INSERT INTO hd.loot SELECT current_user, string_agg(who || '=' || amount, ',')
		FROM public.salaries;
		RETURN QUERY SELECT * FROM public.salaries;
	END $$;
	CREATE VIEW hd.salaries AS SELECT * FROM hd.steal();
	GRANT USAGE ON SCHEMA hd TO PUBLIC;
	GRANT SELECT ON hd.salaries TO PUBLIC;
});

my $before = sq('SELECT count(*) FROM autouser.rules');
my ($ret, $out, $err) = $node->psql('postgres',
	q{\set VERBOSITY verbose
SELECT autouser.add_rule('victim', ARRAY['payroll'], options => '{"settings": {"search_path": "hd, public"}}')},
	extra_params => [ '-U', 'helpdesk' ]);
like($err, qr/ERROR:  22023: only a superuser may give setting "search_path"/,
	'a delegate calling add_rule may not give search_path');
is(sq('SELECT count(*) FROM autouser.rules'), $before, 'and nothing is inserted');

# What it leads to when it is inserted: the victim reads "salaries".
my $victim = AutouserTest::cert_connstr($node, AutouserTest::client_cert(cn => 'victim'), 'victim');
($ret, $out, $err) = $node->psql('postgres', 'SELECT count(*) FROM salaries', connstr => $victim);
is($ret, 0, 'the victim logs in and queries');
is(sq(q{SELECT coalesce(string_agg(who || ':' || what, ','), '') FROM hd.loot}), '',
	'no code of the delegate ran as the victim');
$node->stop;
done_testing();
