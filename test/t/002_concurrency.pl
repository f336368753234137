# 002_concurrency.pl -- parallel first logins (distinct and identical
# identities) and workers killed in the middle of a burst of logins.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('concurrency',
	conf => "max_connections = 80\nrestart_after_crash = on\npg_autouser.cleanup = off\n");
$node->safe_psql('postgres', q{
	CREATE ROLE reader NOLOGIN;
	CREATE EXTENSION pg_autouser;
	SELECT autouser.add_rule('*', ARRAY['reader']);
});
AutouserTest::wait_for_workers($node, 2);

sub cs { return AutouserTest::cert_connstr($node, @_); }

sub identities
{
	my ($prefix, $n) = @_;
	return map { my $cn = "$prefix$_"; [ $cn, cs(AutouserTest::client_cert(cn => $cn), $cn) ] } 1 .. $n;
}

sub managed_count
{
	my ($like) = @_;
	return $node->safe_psql('postgres', qq{
		SELECT count(*) FROM pg_roles u
		WHERE u.rolname LIKE '$like' AND u.rolcanlogin
		  AND pg_has_role(u.oid, 'auto_user', 'MEMBER')
		  AND pg_has_role(u.oid, 'reader', 'MEMBER')});
}

# --- 20 distinct first logins at once -------------------------------------
my @people = identities('par', 20);
my @runs = AutouserTest::finish_logins(AutouserTest::start_logins($node, map { $_->[1] } @people));
is(scalar(grep { $_->{ok} } @runs), 20, '20 distinct parallel first logins all succeed');
is(join('', map { $_->{err} } @runs), '', 'no login printed an error');
is(managed_count('par%'), 20, '20 managed roles holding reader');

# --- 10 first logins of one person at once --------------------------------
my $sam = cs(AutouserTest::client_cert(cn => 'samuel'), 'samuel');
@runs = AutouserTest::finish_logins(AutouserTest::start_logins($node, ($sam) x 10));
is(scalar(grep { $_->{ok} } @runs), 10, '10 parallel first logins of one identity all succeed');
is(scalar(grep { $_->{out} =~ /^samuel$/m } @runs), 10, 'each session is samuel');
is(AutouserTest::memberships($node, 'samuel'), 'auto_user,reader', 'one role samuel with the rule set');
ok(!$node->log_contains(qr/pg_autouser worker: /), 'no worker reported a failed request');

# Every login either got in or was refused with a clear message; none hung.
sub check_burst
{
	my ($label, $allowed, @runs) = @_;
	is(scalar(grep { $_->{timed_out} } @runs), 0, "$label: no login hung");
	my @bad = grep { !$_->{ok} && $_->{err} !~ $allowed } @runs;
	is(scalar(@bad), 0, "$label: every failed login was refused with a known reason")
	  or diag(join("\n", map { $_->{err} } @bad));
}

# Logins that failed during a disturbance succeed once it is over.
sub retry_all
{
	my ($label, @people) = @_;
	my @again = AutouserTest::finish_logins(AutouserTest::start_logins($node, map { $_->[1] } @people));
	is(scalar(grep { $_->{ok} } @again), scalar(@people), "$label: every identity logs in afterwards");
}

# --- a worker stopped with SIGTERM mid-burst: restarted, requests requeued --
my @term = identities('term', 20);
my @handles = AutouserTest::start_logins($node, map { $_->[1] } @term);
kill 'TERM', (AutouserTest::worker_pids($node))[0];
@runs = AutouserTest::finish_logins(@handles);
check_burst('SIGTERM', qr/cannot provision role "term\d+" now/, @runs);
AutouserTest::wait_for_workers($node, 2);
retry_all('SIGTERM', @term);

# --- a worker killed with SIGKILL mid-burst: the postmaster restarts all ----
# In-flight logins are ended by the crash restart (PostgreSQL sends nothing
# to a client still authenticating); later ones see 57P03 until recovery.
my @kill = identities('kill', 20);
@handles = AutouserTest::start_logins($node, map { $_->[1] } @kill);
kill 'KILL', (AutouserTest::worker_pids($node))[0];
@runs = AutouserTest::finish_logins(@handles);
check_burst('SIGKILL',
	qr/cannot provision role "kill\d+" now|server closed the connection unexpectedly|terminating connection because of crash|the database system is (in recovery mode|starting up|not yet accepting connections)|Connection refused|SSL SYSCALL error|SSL error: unexpected eof while reading/,
	@runs);
$node->poll_query_until('postgres', 'SELECT true') or die 'server did not come back';
AutouserTest::wait_for_workers($node, 2);
retry_all('SIGKILL', @kill);
is(managed_count('kill%'), 20, 'after the crash every identity has one managed role');

$node->stop;
done_testing();
