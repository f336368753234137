# 974_standby_options_change.pl -- red team 4 (issue 14): a rule change that
# changes only a role's options never reaches a role whose sessions are on a
# standby.  SPEC 4/issue 14: options are "kept up to date by the rule-change
# path of SPEC 7", and for a role in use on the primary they are
# (rule_change.c, 070).  A role in use only on a standby is judged by the
# standby's cleanup worker (standby_rule_change.c judge_step), which compares
# role sets only: the same set means no ask to the primary and nothing ends.
# The primary's own rule-change path looks only at its local sessions.  So a
# rule that turns inherit off (NOINHERIT: members use a role only through
# SET ROLE) leaves nina INHERIT, and her open standby session keeps reading
# what writer may read without SET ROLE, until her next login.  The same
# rule on a primary session applies at once (control below).
# Expected: NOINHERIT reaches nina while her only session is on a standby.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = AutouserTest::start_node('rt4_primary', conf => <<'CONF');
wal_level = replica
max_wal_senders = 4
pg_autouser.admin_role = 'autouser_admin'
pg_autouser.lease_interval = 1
pg_autouser.lease_expiry = 3
CONF
$primary->safe_psql('postgres', q{
	CREATE ROLE reader NOLOGIN;
	CREATE ROLE writer NOLOGIN;
	CREATE TABLE secret (v text);
	INSERT INTO secret VALUES ('only writers');
	GRANT SELECT ON secret TO writer;
	CREATE ROLE autouser_admin LOGIN CREATEROLE;
	CREATE EXTENSION pg_autouser;
	GRANT USAGE ON SCHEMA autouser TO autouser_admin;
	GRANT EXECUTE ON FUNCTION autouser._provision_for_standby(text, text, text, text[]),
		autouser._renew_leases(text, jsonb) TO autouser_admin;
});
$primary->safe_psql('postgres', q{SELECT autouser.add_rule('*', ARRAY['reader'])});
my $r_nina = $primary->safe_psql('postgres', q{SELECT autouser.add_rule('nina', ARRAY['writer'])});
my $r_paul = $primary->safe_psql('postgres', q{SELECT autouser.add_rule('paul', ARRAY['writer'])});
AutouserTest::wait_for_workers($primary, 2);
AutouserTest::grant_admin_option($primary, 'autouser_admin', qw(reader writer));

sub cs { return AutouserTest::cert_connstr(@_); }
sub pq { return $primary->safe_psql('postgres', $_[0]); }
sub within
{
	my ($node, $secs, $sql) = @_;
	for (1 .. $secs * 5)
	{
		return 1 if $node->safe_psql('postgres', $sql) eq 't';
		select(undef, undef, undef, 0.2);
	}
	return 0;
}

my $admin_cert = AutouserTest::client_cert(cn => 'autouser_admin');
my $link = AutouserTest::conf_quote(cs($primary, $admin_cert, 'autouser_admin'));
my $standby = AutouserTest::make_standby($primary, 'rt4_standby', conf => <<"CONF");
pg_autouser.primary_conninfo = $link
pg_autouser.provision_timeout = 5000
pg_autouser.node_name = 'standby1'
CONF

# Control: paul's session is on the primary.
my $paul = AutouserTest::hold(cs($primary, AutouserTest::client_cert(cn => 'paul'), 'paul'));
is($paul->{first}, 'READY', 'paul holds a session on the primary');
is($paul->query('SELECT v FROM secret'), 'OK only writers', 'paul reads through inherited writer');
pq(qq{UPDATE autouser.rules SET options = '{"inherit": false}' WHERE id = $r_paul});
ok(within($primary, 8, q{SELECT NOT rolinherit FROM pg_roles WHERE rolname = 'paul'}),
	'control: the rule change makes paul NOINHERIT at once');
isnt($paul->query('SELECT v FROM secret'), 'OK only writers', 'control: his session no longer inherits writer');
$paul->close;

# nina's only session is on the standby.
my $nina = AutouserTest::hold(cs($standby, AutouserTest::client_cert(cn => 'nina'), 'nina'));
is($nina->{first}, 'READY', 'nina holds a session on the standby');
ok($primary->poll_query_until('postgres',
	q{SELECT count(*) = 1 FROM autouser.sessions WHERE role = 'nina' AND node = 'standby1'}),
	'the primary knows the standby session (lease)');
is($nina->query('SELECT v FROM secret'), 'OK only writers', 'nina reads through inherited writer');

pq(qq{UPDATE autouser.rules SET options = '{"inherit": false}' WHERE id = $r_nina});
$primary->wait_for_catchup($standby);
ok(within($primary, 8, q{SELECT NOT rolinherit FROM pg_roles WHERE rolname = 'nina'}),
	'the rule change makes nina NOINHERIT (her session is on a standby)');
$primary->wait_for_catchup($standby);
my $r = $nina->query('SELECT v FROM secret');
isnt($r, 'OK only writers', 'her standby session no longer inherits writer')
	or diag "standby session still reads: $r";
$nina->close;

$standby->stop;
$primary->stop;
done_testing();
