# 001_first_login.pl -- the login decision table (SPEC 5) with real
# certificates and psql: create, fast path, reactivate, and every refusal.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

# Cleanup off: this file checks what logins get, not what happens after them.
my $node = AutouserTest::start_node('first_login', conf => "pg_autouser.cleanup = off\n");
$node->safe_psql('postgres', q{
	CREATE ROLE reader NOLOGIN;
	CREATE ROLE writer NOLOGIN;
	CREATE ROLE auditor NOLOGIN;
	CREATE ROLE team_eng NOLOGIN;
	CREATE ROLE team_ops NOLOGIN;
	CREATE ROLE admins NOLOGIN SUPERUSER;
	CREATE ROLE sneaky NOLOGIN;
	GRANT admins TO sneaky;
	CREATE ROLE bob LOGIN;
	CREATE ROLE x NOLOGIN;
	CREATE ROLE pwuser LOGIN PASSWORD 'secret';
	CREATE DATABASE other;
	CREATE EXTENSION pg_autouser;
	SELECT autouser.add_rule('*', ARRAY['reader'], 'postgres');
	SELECT autouser.add_rule('*', ARRAY['team_{{cert.OU}}'], 'postgres');
	SELECT autouser.add_rule('alice', ARRAY['writer']);
	-- Written past add_rule's checks: the login path must refuse them itself.
	INSERT INTO autouser.rules (identity, roles) VALUES ('mallory', '{admins}'), ('trudy', '{sneaky}');
});
AutouserTest::wait_for_workers($node, 2);

sub cert { return AutouserTest::client_cert(@_); }
sub cs { return AutouserTest::cert_connstr($node, @_); }
sub members { return AutouserTest::memberships($node, @_); }

# --- step 5: first login creates the role -------------------------------
my $alice = cert(cn => 'alice', ou => ['eng']);
$node->connect_ok(cs($alice, 'alice'), 'first login of alice is admitted',
	sql => 'SELECT current_user', expected_stdout => qr/^alice$/);
is(members('alice'), 'auto_user,reader,team_eng,writer', 'alice holds exactly the rule set');
is($node->safe_psql('postgres',
	"SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolinherit"
	  . " FROM pg_roles WHERE rolname = 'alice'"),
	't|f|f|f|f|f|t', 'alice is LOGIN and has no dangerous attribute');

# --- step 7: fast path, proven with every worker stopped ----------------
my @workers = AutouserTest::worker_pids($node);
kill 'STOP', @workers;
$node->connect_ok(cs($alice, 'alice'), 'fast path admits alice with the workers stopped',
	sql => 'SELECT current_user', expected_stdout => qr/^alice$/);
kill 'CONT', @workers;

# --- step 6: reactivation restores exactly the current rule set ---------
$node->safe_psql('postgres', q{
	ALTER ROLE alice NOLOGIN;
	REVOKE writer FROM alice;
	GRANT team_ops TO alice;
	DELETE FROM autouser.rules WHERE identity = 'alice';
	SELECT autouser.add_rule('alice', ARRAY['auditor']);
});
$node->connect_ok(cs($alice, 'alice'), 'inactive alice is reactivated');
is(members('alice'), 'auditor,auto_user,reader,team_eng', 'reactivation set memberships to the rules');
is($node->safe_psql('postgres', "SELECT rolcanlogin FROM pg_roles WHERE rolname = 'alice'"),
	't', 'alice is LOGIN again');

# --- step 7: a rule change while a session is open; a different subject -
# A rule change is applied to the live session's role at once (SPEC 7), and
# the next login of the same certificate is admitted with that set.
my $session = AutouserTest::open_session(cs($alice, 'alice'));
$node->safe_psql('postgres', "SELECT autouser.add_rule('alice', ARRAY['writer'])");
ok($node->poll_query_until('postgres', "SELECT pg_has_role('alice', 'writer', 'MEMBER')"),
	'the rule change reaches the live session at once');
$node->connect_ok(cs($alice, 'alice'), 'the same certificate logs in again beside it');
is(members('alice'), 'auditor,auto_user,reader,team_eng,writer', 'with the new set');
# Another certificate of alice whose subject gives another set is refused
# while the first one's session is open: that set is not the rules' doing.
my $alice_ops = cert(cn => 'alice', ou => ['ops']);
$node->connect_fails(cs($alice_ops, 'alice'), 'alice with another subject and a live session is refused',
	expected_stderr => qr/role "alice" has other sessions holding a different role set/,
	log_like => [qr/other session\(s\) logged in with another certificate subject or to another database/]);
is(members('alice'), 'auditor,auto_user,reader,team_eng,writer', 'the live session kept its set');
$session->quit;
$node->poll_query_until('postgres',
	"SELECT count(*) = 0 FROM pg_stat_activity WHERE usename = 'alice'");
$node->connect_ok(cs($alice_ops, 'alice'), 'alice alone again logs in with the other subject');
is(members('alice'), 'auditor,auto_user,reader,team_ops,writer', 'and its set');

# --- step 3: a same-named role we do not manage --------------------------
$node->connect_fails(cs(cert(cn => 'bob'), 'bob'), 'unmanaged bob is refused',
	expected_stderr => qr/role "bob" exists and is not managed by pg_autouser/,
	log_like => [qr/The role is not a member of group role "auto_user"/]);
is(members('bob'), '', 'bob is unchanged');
is($node->safe_psql('postgres', "SELECT rolcanlogin FROM pg_roles WHERE rolname = 'bob'"), 't',
	'bob keeps LOGIN');

# --- step 2: no rule matches ---------------------------------------------
$node->connect_fails(cs(cert(cn => 'carol'), 'carol', 'other'), 'carol has no rule for db other',
	expected_stderr => qr/role "carol" does not exist/);
is(members('carol'), 'MISSING', 'no role was created for carol');

my $dave = cert(cn => 'dave', ou => ['eng', 'ops'], o => 'Acme');
$node->connect_ok(cs($dave, 'dave'), 'dave with two OUs is admitted');
is(members('dave'), 'auto_user,reader,team_eng,team_ops', 'a multi-valued OU expands to one role each');
$node->connect_fails(cs($dave, 'dave', 'other'), 'managed dave has no rule for db other',
	expected_stderr => qr/no pg_autouser rule admits role "dave" to database "other"/);

# --- password logins are never touched -----------------------------------
$node->connect_ok("host=127.0.0.1 port=" . $node->port
	  . " dbname=postgres user=pwuser password=secret sslmode=require",
	'password login of pwuser works');
$node->connect_ok(cs(cert(cn => 'pwuser'), 'pwuser') . ' password=secret',
	'password login presenting a pwuser certificate works');
is(members('pwuser'), '', 'pwuser was not touched');

# --- step 4: forbidden and missing roles ---------------------------------
$node->connect_fails(cs(cert(cn => 'mallory'), 'mallory'), 'a rule granting a superuser role is refused',
	expected_stderr => qr/role "admins" may not be granted by pg_autouser/,
	log_like => [qr/Role "admins" has SUPERUSER/]);
$node->connect_fails(cs(cert(cn => 'trudy'), 'trudy'), 'a role inheriting superuser is refused',
	expected_stderr => qr/role "sneaky" may not be granted by pg_autouser/,
	log_like => [qr/inherits from role "admins", which has SUPERUSER/]);
is(members('mallory') . members('trudy'), 'MISSINGMISSING', 'no role for mallory or trudy');
$node->connect_fails(cs(cert(cn => 'erin', ou => ['qa']), 'erin'), 'a template naming a missing role is refused',
	expected_stderr => qr/role "team_qa" granted by pg_autouser rules does not exist/);
is(members('erin'), 'MISSING', 'erin was not created');

# --- step 1: identities that cannot be role names ------------------------
my $long = 'l' x 64;
my ($ret, $out, $err) = $node->psql('postgres', 'SELECT 1', connstr => cs(cert(cn => $long), $long));
isnt($ret, 0, 'a 64-byte CN is refused');
like($err, qr/certificate common name is longer than 63 bytes and cannot be a role name/,
	'the refusal says the CN is too long');
is(members(substr($long, 0, 63)), 'MISSING', 'no truncated role was created');

$node->connect_fails(cs(cert(cn => 'pg_evil'), 'pg_evil'), 'a pg_ CN is refused',
	expected_stderr => qr/certificate common name starts with the reserved prefix "pg_"/);

# --- quoting: the CN becomes exactly that role, nothing else changes -----
my $nasty = q{o'brien"; drop role x; --};
$node->connect_ok(cs(cert(cn => $nasty), $nasty), 'a CN full of quotes is admitted',
	sql => 'SELECT current_user', expected_stdout => qr/^\Qo'brien"; drop role x; --\E$/);
is(members($nasty), 'auto_user,reader', 'the quoted role has the rule set');
is(members('x'), '', 'role x still exists');

# --- mixed case and UTF-8 --------------------------------------------------
for my $cn ('MixedCase', "Zo\x{eb} \x{5c71}\x{7530}")
{
	my $bytes = $cn;
	utf8::encode($bytes);
	$node->connect_ok(cs(cert(cn => $bytes), $bytes), "CN $bytes is admitted");
	is(members($bytes), 'auto_user,reader', "role $bytes exists with the rule set");
}

# --- certificates PostgreSQL itself refuses -------------------------------
$node->connect_fails(cs(cert(o => 'Acme'), 'nocn'), 'a certificate without CN is refused',
	expected_stderr => qr/certificate authentication failed for user "nocn"/,
	log_like => [qr/client certificate contains no user name/]);
$node->connect_fails(cs(cert(cn => 'eve', untrusted => 1), 'eve'), 'an untrusted CA is refused',
	expected_stderr => qr/SSL error: .*(unknown ca|certificate unknown|bad certificate)/,
	log_like => [qr/could not accept SSL connection: certificate verify failed/]);
is(members('nocn') . members('eve'), 'MISSINGMISSING', 'no role for refused certificates');

$node->stop;
done_testing();
