# 991_rule_roles_enable.pl -- red team 5 (attack on 57e5602): the update
# trigger's skip did not compare "roles" (nor "id").  A rule the loader ignores (a role entry it refuses,
# rules_cache.c rule_is_usable) applies to no login, like a disabled one; a
# role with only UPDATE on autouser.rules fixes its roles and the rule, with
# a search_path only a superuser may give, applies, unchecked.  (The
# superuser's direct INSERT is not refused: the trigger checks only options.)
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('bk7_roles', conf => "pg_autouser.cleanup = off\n");
sub sq { return $node->safe_psql('postgres', $_[0]); }
sub as_role { my $r = AutouserTest::psql_as($node, @_); return $r =~ /^ok:/ ? $r : $r =~ /^([0-9A-Z]{5}) / ? $1 : $r; }
sq(q<
	CREATE ROLE reader NOLOGIN;
	CREATE EXTENSION pg_autouser;
	CREATE SCHEMA app;
	INSERT INTO autouser.rules (identity, roles, options)
	  VALUES ('victim', ARRAY['{{cert.'], '{"settings": {"search_path": "app"}}');
	CREATE ROLE operator LOGIN;
	GRANT USAGE ON SCHEMA autouser TO operator;
	GRANT SELECT, UPDATE ON autouser.rules TO operator;
>);
AutouserTest::wait_for_workers($node, 2);
is(sq(q{SELECT coalesce(autouser.preview_options('victim')::text, 'none')}), 'none', 'the rule with a bad role entry is ignored: no options for victim');
is(as_role('operator', q{UPDATE autouser.rules SET roles = ARRAY['reader']}), '22023',
	'the operator cannot make a rule with a superuser-only search_path apply by fixing its roles');
is(sq(q{SELECT coalesce(autouser.preview_options('victim')::text, 'none')}), 'none', 'the superuser-only search_path does not reach victim');

# Variant: the rule with the lowest id gives search_path; an operator who
# renumbers a shadowed rule makes its value win.
sq(q<
	DELETE FROM autouser.rules;
	INSERT INTO autouser.rules (id, identity, roles, options)
	  VALUES (10, 'victim', ARRAY['reader'], '{"settings": {"search_path": "public"}}'),
	         (20, 'victim', ARRAY['reader'], '{"settings": {"search_path": "app"}}');
>);
is(sq(q{SELECT autouser.preview_options('victim') -> 'settings' ->> 'search_path'}), 'public',
	'the lowest id gives search_path');
is(as_role('operator', q{UPDATE autouser.rules SET id = 5 WHERE id = 20}), '22023',
	'the operator cannot renumber a rule whose search_path only a superuser may give');
is(sq(q{SELECT autouser.preview_options('victim') -> 'settings' ->> 'search_path'}), 'public',
	'search_path is still the one that won');
# What the skip is for: editing a comment and switching a rule off.
like(as_role('operator', q{UPDATE autouser.rules SET comment = 'reviewed' WHERE id = 20}), qr/^ok:/,
	'the operator may edit the comment of a rule it could not have written');
like(as_role('operator', q{UPDATE autouser.rules SET enabled = false WHERE id = 20}), qr/^ok:/,
	'and switch it off');
$node->stop;
done_testing();
