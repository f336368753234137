# 917_attack_worker_settings.pl -- settings made with ALTER DATABASE / ALTER
# ROLE ... SET for pg_autouser.database or the workers' role never reach the
# workers (SPEC 6).  Reproduces finding 917 of the adversarial review: the
# owner of pg_autouser.database set session_authorization and role (the
# workers then ran, and showed in pg_stat_activity, as the owner), JIT with
# zero costs (first logins ~3x slower) and synchronous_commit = off (the
# role changes a login relies on committed asynchronously); the workers
# pinned only a fixed list.  A superuser's per-database setting for the
# bootstrap superuser (track_activities = off) stands for the rest of the
# class: the workers run with the server's configuration alone.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Time::HiRes qw(time);
use Test::More;

my $node = AutouserTest::start_node('worker_settings', conf => "pg_autouser.database = 'authdb'\n");
$node->safe_psql('postgres', q{
	CREATE ROLE dbo LOGIN;
	CREATE DATABASE authdb OWNER dbo;
	CREATE ROLE reader NOLOGIN;
});
$node->safe_psql('authdb', q{CREATE EXTENSION pg_autouser; SELECT autouser.add_rule('*', ARRAY['reader']);});
AutouserTest::wait_for_workers($node, 2);
my $boot = $node->safe_psql('postgres', 'SELECT rolname FROM pg_roles WHERE oid = 10');

sub first_logins
{
	my ($tag) = @_;
	my @t;
	for my $i (1 .. 5)
	{
		my $t0 = time;
		my ($r) = $node->psql('postgres', 'SELECT 1',
			connstr => AutouserTest::cert_connstr($node, AutouserTest::client_cert(cn => "$tag$i"), "$tag$i"));
		push @t, int((time - $t0) * 1000) . ($r ? '(failed)' : '');
	}
	return @t;
}
diag('first logins before: ' . join(' ', first_logins('a')) . ' ms');

my ($ret, $out, $err) = $node->psql('authdb', q{
	ALTER DATABASE authdb SET session_authorization = 'dbo';
	ALTER DATABASE authdb SET role = 'dbo';
	ALTER DATABASE authdb SET jit = on;
	ALTER DATABASE authdb SET jit_above_cost = 0;
	ALTER DATABASE authdb SET jit_inline_above_cost = 0;
	ALTER DATABASE authdb SET jit_optimize_above_cost = 0;
	ALTER DATABASE authdb SET synchronous_commit = off;
}, extra_params => [ '-U', 'dbo' ]);
is($ret, 0, "the database's owner may set these") or diag($err);
$node->safe_psql('postgres', "ALTER ROLE \"$boot\" IN DATABASE authdb SET track_activities = off");
$node->restart;
AutouserTest::wait_for_workers($node, 2);

my @after = first_logins('b');
diag('first logins after: ' . join(' ', @after) . ' ms');
is(scalar(grep { /failed/ } @after), 0, 'logins are provisioned as before');
my $workers = q{FROM pg_stat_activity WHERE backend_type IN ('pg_autouser worker', 'pg_autouser cleanup')};
is($node->safe_psql('postgres', "SELECT count(*) $workers"), '3', 'both workers and the cleanup worker run');
is($node->safe_psql('postgres', "SELECT string_agg(DISTINCT usename, ',') $workers"), $boot,
	"the database owner's settings do not change who the workers are");
is($node->safe_psql('postgres', "SELECT count(*) $workers AND state = 'disabled'"), '0',
	"nor does a superuser's setting for their role in that database");
is($node->safe_psql('authdb', 'SHOW synchronous_commit'), 'off',
	"while the database's own sessions keep its settings");

$node->stop;
done_testing();
