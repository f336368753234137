# 951_attack_rule_change_newest_session.pl -- found by the second adversarial review: a rule
# change is judged only by the role's *newest* session (its database and
# its certificate), so an older session that no rule admits any more goes on.
#
# SPEC 5 step 2: whether a login is admitted depends on (identity, database,
# cert OU).  SPEC 7 "Access ends when it should": a committed rule change
# that takes access away ends the sessions it concerns; no matching rule
# left -> sessions ended.  rule_change.c apply_step() evaluates the rules
# once, for the database and subject of autouser_sessions_newest(); the
# other sessions are never looked at.
#
#  a) database: nina has a session in db_a (rule for db_a) and a newer one
#     in db_b (rule for db_b).  The db_a rule is dropped: her db_a session,
#     which no rule admits any more, goes on.
#  b) certificate OU: she has a session with her OU=contractors certificate
#     and a newer one with her OU=staff certificate (the same role set at
#     the time).  The contractors rule is dropped: the contractors session
#     goes on.
# FAILS on 84c6745; passes once every session is judged by its own facts.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('rt2_newest');
$node->safe_psql('postgres', q{
	CREATE ROLE reader NOLOGIN;
	CREATE DATABASE db_a;
	CREATE DATABASE db_b;
	CREATE EXTENSION pg_autouser;
});
sub sq { return $node->safe_psql('postgres', $_[0]); }
sub cs { return AutouserTest::cert_connstr($node, @_); }
sub within
{
	my ($secs, $sql) = @_;
	for (1 .. $secs * 5)
	{
		return 1 if sq($sql) eq 't';
		select(undef, undef, undef, 0.2);
	}
	return 0;
}
my $rule_a = sq(q{SELECT autouser.add_rule('nina', ARRAY['reader'], 'db_a')});
my $rule_b = sq(q{SELECT autouser.add_rule('nina', ARRAY['reader'], 'db_b')});
AutouserTest::wait_for_workers($node, 2);

# --- a) a session in a database whose rule is dropped ------------------------
my $nina_cert = AutouserTest::client_cert(cn => 'nina');
(my $cs_a = cs($nina_cert, 'nina')) =~ s/dbname=\S+/dbname=db_a/;
(my $cs_b = $cs_a) =~ s/dbname=db_a/dbname=db_b/;
my $in_a = AutouserTest::hold($cs_a);
is($in_a->{first}, 'READY', 'nina: a session in db_a');
sleep 1;    # the db_b session is the newest
my $in_b = AutouserTest::hold($cs_b);
is($in_b->{first}, 'READY', 'nina: a newer session in db_b');

sq("SELECT autouser.drop_rule($rule_a)");
# The new login to db_a is refused now (no rule for db_a) ...
$node->connect_fails($cs_a, 'a new login of nina to db_a is refused once its rule is gone',
	expected_stderr => qr/28000|no pg_autouser rule|not allowed|rule/i);
# ... but the open db_a session?
within(3, q{SELECT false});
my $r = $in_a->query('SELECT current_database()');
like($r, qr/^ERROR 57P01/,
	'SPEC 7: the db_a session, which no rule admits any more, is ended')
	or diag "db_a session still answers: $r";
is($in_b->query('SELECT current_database()'), 'OK db_b', 'the db_b session (its rule stands) goes on');
$in_a->close;
$in_b->close;

# --- b) a session with a certificate whose OU is no longer admitted ----------
sq("SELECT autouser.drop_rule($rule_b)");
my $r_contr = sq(q{SELECT autouser.add_rule('omar', ARRAY['reader'], '*', 'contractors')});
my $r_staff = sq(q{SELECT autouser.add_rule('omar', ARRAY['reader'], '*', 'staff')});
my $old_cert = AutouserTest::client_cert(cn => 'omar', ou => ['contractors']);
my $new_cert = AutouserTest::client_cert(cn => 'omar', ou => ['staff']);
my $contr = AutouserTest::hold(cs($old_cert, 'omar'));
is($contr->{first}, 'READY', 'omar: a session with his OU=contractors certificate');
sleep 1;
my $staff = AutouserTest::hold(cs($new_cert, 'omar'));
is($staff->{first}, 'READY', 'omar: a newer session with his OU=staff certificate');
sq("SELECT autouser.drop_rule($r_contr)");
$node->connect_fails(cs($old_cert, 'omar'),
	'a new login with the contractors certificate is refused once its rule is gone');
within(3, q{SELECT false});
$r = $contr->query('SELECT 1');
like($r, qr/^ERROR 57P01/,
	'SPEC 7: the contractors-certificate session, which no rule admits any more, is ended')
	or diag "contractors session still answers: $r";
$contr->close;
$staff->close;

$node->stop;
done_testing();
