# 033_attack_subject.pl -- what a certificate's subject can and cannot do
# (SPEC 5 step 0 and 1, SPEC 6 templates).  Reproduces findings 5, 6 and 7
# of the security review: a second CN naming another person's template
# role; an unusual subject breaking a plain certificate login while the
# library is inert; certificate text naming a predefined role
# (pg_write_all_data, which then rewrote the audit trail and the rules).
# Variants: a CN in a multi-valued RDN, the unreadable subject with the
# extension created, certificate text naming an unmanaged LOGIN role, the
# database owner, or a role that may write autouser.rules; the literal
# forms that add_rule refuses or allows.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use AutouserTest;
use PostgreSQL::Test::Utils;
use Test::More;

sub cert { return AutouserTest::client_cert(@_); }
# Finding 6 as reported: 40 OUs of 60 bytes.  pg_autouser now reads 4 kB of
# subject, so twice that is needed for a subject it cannot read.
my @many_ous = map { ('o' x 58) . sprintf('%02d', $_) } 1 .. 40;
my @too_many_ous = map { ('o' x 58) . sprintf('%02d', $_) } 1 .. 80;

# --- finding 6: the library inert, an unusual subject, a plain login --------
my $node = AutouserTest::start_node('subject', conf => "pg_autouser.cleanup = off\n");
sub cs { return AutouserTest::cert_connstr($node, @_); }
sub sq { return $node->safe_psql('postgres', $_[0]); }
sub members { return AutouserTest::memberships($node, @_); }
sq('CREATE ROLE carol LOGIN');
AutouserTest::wait_for_workers($node, 2);
my $carol = cert(cn => 'carol', ou => \@many_ous);
$node->connect_ok(cs($carol, 'carol'),
	'finding 6: inert, a 40-OU certificate of an existing role logs in as in plain PostgreSQL',
	sql => 'SELECT current_user', expected_stdout => qr/^carol$/);
my $carol_big = cert(cn => 'carol', ou => \@too_many_ous);
$node->connect_ok(cs($carol_big, 'carol'), 'inert: so does a subject pg_autouser could not even read');

sq(q{
	CREATE ROLE reader NOLOGIN;
	CREATE ROLE home_mallory NOLOGIN;
	CREATE ROLE home_alice NOLOGIN;
	CREATE ROLE bob LOGIN;
	CREATE ROLE dbowner NOLOGIN;
	ALTER DATABASE postgres OWNER TO dbowner;
	CREATE ROLE ruler NOLOGIN;
	CREATE EXTENSION pg_autouser;
	GRANT USAGE ON SCHEMA autouser TO ruler;
	GRANT INSERT, UPDATE, DELETE ON autouser.rules TO ruler;
	SELECT autouser.add_rule('home*', ARRAY['reader']);
});
$node->poll_query_until('postgres', "SELECT count(*) > 0 FROM autouser.rules");
$node->connect_ok(cs($carol, 'carol'), 'no rule for carol: the 40-OU certificate still logs in');
$node->connect_ok(cs($carol_big, 'carol'), 'no rule for carol: so does the unreadable subject');
$node->connect_ok(cs(cert(cn => 'home9', ou => ['ok']), 'home9'), 'a rule-matched identity is provisioned');
$node->connect_fails(cs(cert(cn => 'homer', ou => \@too_many_ous), 'homer'),
	'a subject pg_autouser cannot read fails only a login it acts on, with 28000',
	expected_stderr => qr/certificate subject of "homer" cannot be read by pg_autouser/,
	log_like => [qr/The subject is over \d+ bytes, holds a value that is not text/]);
is(members('homer'), 'MISSING', 'nothing was created for it');

# --- finding 5: a second CN -----------------------------------------------------
sq(q{SELECT autouser.add_rule('*', ARRAY['home_{{cert.CN}}'], 'postgres')});
$node->connect_fails(cs(cert(cn => 'mallory', more_cn => ['alice']), 'mallory'),
	'finding 5: a subject with two CNs is refused as ambiguous',
	expected_stderr => qr/certificate of "mallory" has more than one common name/);
is(members('mallory'), 'MISSING', 'mallory got neither home_mallory nor home_alice');
$node->connect_fails(cs(cert(cn => 'mallory', more_cn => ['mallory']), 'mallory'),
	'two equal CNs are refused too',
	expected_stderr => qr/certificate of "mallory" has more than one common name/);
$node->connect_fails(cs(cert(cn => 'mallory', rdn_with_cn => 'OU=eng'), 'mallory'),
	'a CN in a multi-valued RDN is refused too',
	expected_stderr => qr/certificate of "mallory" has more than one common name/);
$node->connect_ok(cs(cert(cn => 'mallory'), 'mallory'), 'one CN: mallory gets her own home role');
is(members('mallory'), 'auto_user,home_mallory', 'and only hers');
sq("DELETE FROM autouser.rules WHERE roles = ARRAY['home_{{cert.CN}}']");

# --- finding 7: certificate text naming roles it must not --------------------
sq(q{SELECT autouser.add_rule('t_*', ARRAY['{{cert.OU}}'])});
my $events = sq('SELECT count(*) FROM autouser.events');
$node->connect_fails(cs(cert(cn => 't_writer', ou => ['pg_write_all_data']), 't_writer'),
	'finding 7: an OU naming pg_write_all_data is refused',
	expected_stderr => qr/role "pg_write_all_data" may not be granted by pg_autouser/,
	log_like => [qr/Certificate text named role "pg_write_all_data", a predefined role/]);
is(members('t_writer'), 'MISSING', 'no role was created');
$node->connect_fails(cs(cert(cn => 't_reader', ou => ['pg_read_all_data']), 't_reader'),
	'an OU naming any predefined role is refused',
	expected_stderr => qr/role "pg_read_all_data" may not be granted by pg_autouser/);
$node->connect_fails(cs(cert(cn => 't_bob', ou => ['bob']), 't_bob'),
	'an OU naming an unmanaged LOGIN role is refused',
	expected_stderr => qr/role "bob" may not be granted by pg_autouser/,
	log_like => [qr/Certificate text named role "bob", which can log in/]);
$node->connect_fails(cs(cert(cn => 't_owner', ou => ['dbowner']), 't_owner'),
	'an OU naming the owner of pg_autouser.database is refused',
	expected_stderr => qr/role "dbowner" may not be granted by pg_autouser/,
	log_like => [qr/Role "dbowner" owns pg_autouser.database/]);
$node->connect_fails(cs(cert(cn => 't_ruler', ou => ['ruler']), 't_ruler'),
	'an OU naming a role that may change autouser.rules is refused',
	expected_stderr => qr/role "ruler" may not be granted by pg_autouser/,
	log_like => [qr/Role "ruler" may change autouser.rules/]);
$node->connect_ok(cs(cert(cn => 't_ok', ou => ['reader']), 't_ok'),
	'an OU naming an ordinary group role is granted');
is(members('t_ok'), 'auto_user,reader', 'with exactly that role');
$node->poll_query_until('postgres', "SELECT count(*) >= $events + 5 FROM autouser.events");
is(sq("SELECT count(*) >= $events FROM autouser.events"), 't', 'the audit trail is intact');

# The literal forms: add_rule refuses pg_write_all_data, allows pg_read_all_data.
my ($ret, $out, $err) = $node->psql('postgres', "SELECT autouser.add_rule('x', ARRAY['pg_write_all_data'])");
like($err, qr/role "pg_write_all_data" may not be granted by pg_autouser/, 'add_rule refuses pg_write_all_data');
like($err, qr/write access to every table/, 'saying why');
($ret, $out, $err) = $node->psql('postgres', "SELECT autouser.add_rule('x', ARRAY['ruler'])");
like($err, qr/role "ruler" may not be granted by pg_autouser/, 'add_rule refuses a role that may change the rules');
($ret, $out, $err) = $node->psql('postgres', "SELECT autouser.add_rule('lit*', ARRAY['pg_read_all_data'])");
is($ret, 0, 'a rule may name pg_read_all_data literally');
$node->connect_ok(cs(cert(cn => 'literal'), 'literal'), 'and grants it');
is(members('literal'), 'auto_user,pg_read_all_data', 'literally');

$node->stop;
done_testing();
