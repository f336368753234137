# 008_log_only_details.pl -- a refused login tells the client what happened
# and the server log why (STYLE 4): for every kind of refusal and of
# "cannot provision now", the client's stderr carries the message (and a
# hint where there is one) but never a DETAIL -- rule ids, certificate
# attributes, worker errors -- while the server log has that DETAIL.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('details', conf => "pg_autouser.cleanup = off\n");
$node->safe_psql('postgres', q{
	CREATE ROLE reader NOLOGIN;
	CREATE ROLE admins NOLOGIN SUPERUSER;
	CREATE ROLE bob LOGIN;
	CREATE ROLE weak NOLOGIN;
	CREATE DATABASE other;
	CREATE EXTENSION pg_autouser;
	SELECT autouser.add_rule('*', ARRAY['reader'], 'postgres');
	SELECT autouser.add_rule('t_*', ARRAY['team_{{cert.OU}}'], 'postgres');
	SELECT autouser.add_rule('alice', ARRAY['reader'], 'other');
	INSERT INTO autouser.rules (identity, roles) VALUES ('mallory', '{admins}');
});
AutouserTest::wait_for_workers($node, 2);
sub cert { return AutouserTest::client_cert(@_); }
sub cs { return AutouserTest::cert_connstr($node, @_); }

# The login fails; stderr matches $stderr_re and has no DETAIL; the log
# written meanwhile has a DETAIL matching $log_re.
sub refused
{
	my ($name, $connstr, $stderr_re, $log_re) = @_;
	my $offset = -s $node->logfile;
	my ($ret, $out, $err) = $node->psql('postgres', 'SELECT 1', connstr => $connstr);
	isnt($ret, 0, "$name: refused");
	like($err, $stderr_re, "$name: the client is told what happened");
	unlike($err, qr/DETAIL/, "$name: the client gets no detail");
	ok($node->poll_query_until('postgres', 'SELECT true') &&
		substr(PostgreSQL::Test::Utils::slurp_file($node->logfile), $offset) =~ /DETAIL:  .*$log_re/,
		"$name: the server log says why");
}

refused('unmanaged', cs(cert(cn => 'bob'), 'bob'),
	qr/role "bob" exists and is not managed by pg_autouser/, qr/not a member of group role "auto_user"/);
$node->connect_ok(cs(cert(cn => 'dave'), 'dave'), 'dave is provisioned');
refused('no rule', cs(cert(cn => 'dave'), 'dave', 'other'),
	qr/no pg_autouser rule admits role "dave" to database "other"/, qr/No enabled rule matches/);
refused('missing role', cs(cert(cn => 't_qa', ou => ['qa']), 't_qa'),
	qr/role "team_qa" granted by pg_autouser rules does not exist/, qr/the first is rule \d+\) grant role "team_qa"/);
refused('forbidden role', cs(cert(cn => 'mallory'), 'mallory'),
	qr/role "admins" may not be granted by pg_autouser/, qr/Role "admins" has SUPERUSER/);
refused('invalid expansion', cs(cert(cn => 't_long', ou => ['x' x 60]), 't_long'),
	qr/which is not a valid role name/, qr/A rule template expanded to/);
refused('unreadable subject', cs(cert(cn => 't_big', ou => [ map { 'o' x 60 . $_ } 1 .. 80 ]), 't_big'),
	qr/certificate subject of "t_big" cannot be read/, qr/The subject is over \d+ bytes/);
refused('two CNs', cs(cert(cn => 'eve', more_cn => ['alice']), 'eve'),
	qr/certificate of "eve" has more than one common name/, qr/more than one CN attribute/);
my $long = 'l' x 64;
refused('CN too long', cs(cert(cn => $long), $long),
	qr/certificate common name is longer than 63 bytes/, qr/has 64 bytes/);
$node->safe_psql('postgres', 'CREATE ROLE team_eng NOLOGIN; CREATE ROLE team_ops NOLOGIN');
my $held = AutouserTest::open_session(cs(cert(cn => 't_alice', ou => ['eng']), 't_alice'));
refused('set changed', cs(cert(cn => 't_alice', ou => ['ops']), 't_alice'),
	qr/role "t_alice" has other sessions holding a different role set/, qr/other session\(s\)/);
$held->quit;

# Cannot provision now: the worker's own error stays in the log.
AutouserTest::set_conf($node, 'pg_autouser.admin_role', 'weak');
refused('provisioning failed', cs(cert(cn => 'frank'), 'frank'),
	qr/cannot provision role "frank" now.*HINT:  Provisioning failed; the server log says why/s,
	qr/permission denied/);
AutouserTest::set_conf($node, 'pg_autouser.admin_role', '');
AutouserTest::set_conf($node, 'pg_autouser.provision_timeout', '1s');
my @workers = AutouserTest::worker_pids($node);
kill 'STOP', @workers;
refused('timeout', cs(cert(cn => 'gina'), 'gina'),
	qr/cannot provision role "gina" now.*did not finish within pg_autouser.provision_timeout/s,
	qr/No pg_autouser worker answered within 1000 ms/);
kill 'CONT', @workers;

$node->stop;
done_testing();
