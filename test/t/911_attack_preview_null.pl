# 911_attack_preview_null.pl -- found by adversarial review (HIGH): a
# delegate of preview() (which needs EXECUTE on _preview too) called
# autouser._preview with a NULL attribute name; the C code read the datum
# before its null flag, the backend died with SIGSEGV, and the postmaster
# ended every session.  A null now stands for no value, and nobody's
# session is touched.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = AutouserTest::start_node('crash', conf => "restart_after_crash = on\n");
$node->safe_psql('postgres', q{
	CREATE ROLE reader NOLOGIN;
	CREATE ROLE helpdesk LOGIN;
	CREATE EXTENSION pg_autouser;
	SELECT autouser.add_rule('*', ARRAY['reader']);
	GRANT USAGE ON SCHEMA autouser TO helpdesk;
	GRANT EXECUTE ON FUNCTION autouser.preview(text, text, jsonb) TO helpdesk;
	GRANT EXECUTE ON FUNCTION autouser._preview(text, text, text[], text[]) TO helpdesk;
	GRANT SELECT ON autouser.rules TO helpdesk;
});
AutouserTest::wait_for_workers($node, 2);
my $alice = AutouserTest::client_cert(cn => 'alice');
my $bystander = AutouserTest::open_session(AutouserTest::cert_connstr($node, $alice, 'alice'));
my $pid = $bystander->query_safe('SELECT pg_backend_pid()');
ok($pid > 0, "a bystander's session is open");

my ($ret, $out, $err) = $node->psql('postgres', q{SELECT autouser.preview('x', 'postgres', '{"OU": ["eng"]}')},
	extra_params => [ '-U', 'helpdesk' ]);
is($ret, 0, 'the delegate can use preview()') or diag($err);
($ret, $out, $err) = $node->psql('postgres',
	q{SELECT autouser._preview('x', 'postgres', ARRAY[NULL]::text[], ARRAY['a'])},
	extra_params => [ '-U', 'helpdesk' ]);
is($ret, 0, 'a NULL attribute name is read as no attribute') or diag($err);
unlike(slurp_file($node->logfile), qr/terminated by signal/, 'no backend crashed');
$node->poll_query_until('postgres', 'SELECT true');
is($node->safe_psql('postgres', "SELECT count(*) FROM pg_stat_activity WHERE pid = $pid"), '1',
	"the bystander's session survives");
eval { $bystander->{run}->kill_kill };
$node->stop;
done_testing();
