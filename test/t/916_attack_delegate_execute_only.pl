# 916_attack_delegate_execute_only.pl -- a delegate granted EXECUTE on
# add_rule, drop_rule or preview (and USAGE on the schema) gets exactly that
# function's effect and nothing else (SPEC 4).  Reproduces the adversarial
# review's finding as written (EXECUTE alone gave "permission denied"; the
# grants that made it work let the delegate write any row past add_rule's
# checks), then closes the class: the delegate can neither read nor write
# autouser.rules itself, nor call the internal functions, nor get a rule
# past the checks, nor trap the functions through its search_path, its
# operators or a temporary table; and a role that may call add_rule or
# drop_rule is one a rule may not grant (it may change the rules).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('execute_only');
$node->safe_psql('postgres', q{
	CREATE ROLE reader NOLOGIN;
	CREATE ROLE helpdesk LOGIN;
	CREATE ROLE dropper LOGIN;
	CREATE EXTENSION pg_autouser;
	GRANT USAGE ON SCHEMA autouser TO helpdesk, dropper;
	GRANT EXECUTE ON FUNCTION autouser.add_rule(text, text[], text, text, text, jsonb),
		autouser.drop_rule(bigint), autouser.preview(text, text, jsonb) TO helpdesk;
	GRANT EXECUTE ON FUNCTION autouser.drop_rule(bigint) TO dropper;
});
AutouserTest::wait_for_workers($node, 2);
sub sq { return $node->safe_psql('postgres', $_[0]); }
sub as_role
{
	my ($role, $sql) = @_;
	return $node->psql('postgres', $sql, extra_params => [ '-U', $role ]);
}
sub rules { return sq(q{SELECT coalesce(string_agg(identity || ':' || array_to_string(roles, '+'), ',' ORDER BY id), '') FROM autouser.rules}); }

# --- as reported: EXECUTE alone ---------------------------------------------
my ($ret, $out, $err) = as_role('helpdesk', q{SELECT autouser.add_rule('dave', ARRAY['reader'])});
is($ret, 0, 'a delegate with EXECUTE alone can run add_rule') or diag($err);
my $dave = $out;
is(rules(), 'dave:reader', 'and the rule is there');
($ret, $out, $err) = as_role('helpdesk', q{SELECT autouser.preview('dave')});
is($ret, 0, 'a delegate with EXECUTE alone can run preview') or diag($err);
is($out, '{reader}', 'and sees what dave would get');
($ret, $out, $err) = as_role('helpdesk', q{SELECT autouser.preview('erin', 'postgres', '{"OU": ["eng", "ops"]}')});
is($ret, 0, 'preview takes attributes') or diag($err);
is($out, '', 'and gives NULL when no rule applies');
($ret, $out, $err) = as_role('helpdesk', 'SELECT autouser.drop_rule(424242)');
is($ret, 0, 'a delegate with EXECUTE alone can run drop_rule') or diag($err);
is($out, 'f', 'which says when there was no such rule');
$node->connect_ok(AutouserTest::cert_connstr($node, AutouserTest::client_cert(cn => 'dave'), 'dave'),
	'the rule the delegate added provisions dave at once');
($ret, $out, $err) = as_role('dropper', "SELECT autouser.drop_rule($dave)");
is("$ret $out", '0 t', 'a delegate with EXECUTE on drop_rule alone drops a rule') or diag($err);
is(rules(), '', 'and it is gone');

# --- nothing else -------------------------------------------------------------
for my $try (
	[ 'SELECT * FROM autouser.rules', 'read autouser.rules' ],
	[ q{INSERT INTO autouser.rules (identity, roles) VALUES ('x', '{pg_write_all_data}')}, 'insert a row itself' ],
	[ 'UPDATE autouser.rules SET enabled = false', 'update rows' ],
	[ 'DELETE FROM autouser.rules', 'delete rows' ],
	[ "SELECT nextval('autouser.rules_id_seq')", 'use the sequence' ],
	[ q{SELECT autouser._check_rule('x', ARRAY['reader'], '*', NULL)}, 'call _check_rule' ],
	[ q{SELECT autouser._preview('x', 'postgres', '{}', '{}')}, 'call _preview' ],
	[ 'SELECT autouser.sweep()', 'call sweep' ],
	[ 'SELECT * FROM autouser.events', 'read the events' ])
{
	($ret, $out, $err) = as_role('helpdesk', $try->[0]);
	isnt($ret, 0, "the delegate cannot $try->[1]");
	like($err, qr/permission denied/, "($try->[1]: permission denied)");
}
($ret, $out, $err) = as_role('dropper', q{SELECT autouser.add_rule('x', ARRAY['reader'])});
like($err, qr/permission denied for function add_rule/, 'EXECUTE on drop_rule does not open add_rule');

# add_rule checks a delegate's rule exactly as anybody's.
sq('CREATE ROLE wheel NOLOGIN SUPERUSER; CREATE ROLE ops NOLOGIN');
for my $bad (
	[ q{SELECT autouser.add_rule('x', ARRAY['wheel'])}, qr/role "wheel" may not be granted by pg_autouser/ ],
	[ q{SELECT autouser.add_rule('x', ARRAY['pg_write_all_data'])}, qr/role "pg_write_all_data" may not be granted/ ],
	[ q{SELECT autouser.add_rule('x', ARRAY['nosuchrole'])}, qr/role "nosuchrole" does not exist/ ],
	[ q{SELECT autouser.add_rule('', ARRAY['reader'])}, qr/the identity pattern is empty/ ],
	[ q{SELECT autouser.add_rule(NULL, ARRAY['reader'])}, qr/the identity pattern must not be null/ ],
	[ q{SELECT autouser.add_rule('x', ARRAY['reader'], NULL)}, qr/the database pattern must not be null/ ],
	[ q{SELECT autouser.add_rule('x', NULL)}, qr/roles must not be null/ ],
	[ q{SELECT autouser.add_rule('x', ARRAY['reader'], '*', 'e*')}, qr/cert_ou "e\*" contains '\*'/ ],
	[ q|SELECT autouser.add_rule('x', ARRAY['{{cert.OU'])|, qr/neither a role name nor a valid/ ],
	[ q{SELECT autouser.add_rule('x', ARRAY['helpdesk'])}, qr/role "helpdesk" may not be granted.*may change autouser.rules/s ],
	[ q{SELECT autouser.add_rule('x', ARRAY['dropper'])}, qr/role "dropper" may not be granted.*may change autouser.rules/s ])
{
	($ret, $out, $err) = as_role('helpdesk', $bad->[0]);
	like($err, $bad->[1], "add_rule refuses for the delegate: $bad->[0]");
}
is(rules(), '', 'no refused rule was written');
# A role inheriting from one that may call add_rule may change the rules too.
sq('GRANT helpdesk TO ops');
($ret, $out, $err) = as_role('helpdesk', q{SELECT autouser.add_rule('x', ARRAY['ops'])});
like($err, qr/role "ops" may not be granted.*may change autouser.rules/s,
	'nor one that inherits the right to call add_rule');
sq('REVOKE helpdesk FROM ops');

# --- traps: search_path, operators, a temporary table named rules -------------
AutouserTest::install_traps($node, 'postgres', 'trap', 'helpdesk');
($ret, $out, $err) = as_role('helpdesk', q{
	SET search_path = pg_temp, trap, pg_catalog, public;
	CREATE TEMP TABLE rules (id bigint, identity text, database text, cert_ou text,
		roles text[], enabled boolean, comment text, created_at timestamptz);
	CREATE TEMP TABLE rules_id_seq ();
	SELECT autouser.add_rule('frank', ARRAY['reader'], 'postgres', NULL, 'by helpdesk') IS NOT NULL;
	SELECT autouser.preview('frank', 'postgres', '{"OU": "eng"}');
	SELECT count(*) FROM rules;
});
is($ret, 0, 'the functions work under a hostile search_path with a temporary rules table') or diag($err);
is($out, "t\n{reader}\n0", 'and use autouser.rules, not the temporary table');
is(AutouserTest::traps_fired($node, 'postgres', 'trap'), '', 'no trap ran');
is(rules(), 'frank:reader', 'the rule went to autouser.rules');
($ret, $out, $err) = as_role('helpdesk', q{
	SET search_path = trap, pg_catalog, public;
	SELECT autouser.drop_rule((SELECT max(id) FROM autouser.rules));
});
like($err, qr/permission denied for table rules/, 'drop_rule takes an id, the delegate cannot look one up');
my $frank = sq('SELECT max(id) FROM autouser.rules');
($ret, $out, $err) = as_role('helpdesk', "SET search_path = trap, pg_catalog, public; SELECT autouser.drop_rule($frank)");
is("$ret $out", '0 t', 'drop_rule under a hostile search_path') or diag($err);
is(AutouserTest::traps_fired($node, 'postgres', 'trap'), '', 'no trap ran');
is(rules(), '', 'and the rule is gone');
is(sq("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = 'helpdesk'"), 'f',
	'the delegate gained no SUPERUSER or CREATEROLE');
$node->stop;
done_testing();
