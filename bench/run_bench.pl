# run_bench.pl -- starts the clusters the benchmark compares (plain: pg_autouser not preloaded;
# auto: preloaded and created; and a streaming hot standby of each, the auto one provisioning
# through its primary), prepares their roles, rules and the admin-connection procedures, runs
# pg_autouser_bench and prints its tables.  Stops every cluster at the end, also on failure.
# Measures nothing itself.
#
# perl bench/run_bench.pl [--smoke] [--rounds N] [--standby-rounds N] [--out FILE.md]
#                         [--json FILE.json] [--bin PATH] [-- more pg_autouser_bench options]
# Needs PERL5LIB with PostgreSQL's src/test/perl; bench/run.sh sets everything up.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../test/perl";
use Getopt::Long;

# PostgreSQL::Test::Utils sends STDOUT and STDERR to its log file when it starts (INIT); keep
# the real ones for the benchmark's tables and progress.
our ($real_stdout, $real_stderr);
BEGIN
{
	open($real_stdout, '>&', \*STDOUT) or die "cannot dup STDOUT: $!";
	open($real_stderr, '>&', \*STDERR) or die "cannot dup STDERR: $!";
}
use AutouserTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More ();

# Not a TAP test: keep Test::Builder from judging the exit status.
Test::More->builder->no_ending(1);

my %opt = (rounds => undef, smoke => 0);
GetOptions(\%opt, 'smoke', 'rounds=i', 'standby-rounds=i', 'out=s', 'json=s', 'bin=s')
  or die "usage: $0 [--smoke] [--rounds N] [--standby-rounds N] [--out FILE] [--json FILE]"
  . " [--bin PATH]\n";

my $bin = $opt{bin} || $ENV{AUTOUSER_BENCH_BIN} || find_bin();

# The build tree's binary (make bench-build), else one on PATH.
sub find_bin
{
	my $built = "$FindBin::RealBin/../build/bench/bench/pg_autouser_bench";
	return $built if -x $built;
	for my $dir (split /:/, $ENV{PATH})
	{
		return "$dir/pg_autouser_bench" if -x "$dir/pg_autouser_bench";
	}
	die "pg_autouser_bench not found: build it with make bench-build, or pass --bin\n";
}

# Settings of both clusters (their standbys copy them).  Production durability: the test
# framework writes fsync = off, and a later line wins, so every commit waits for its WAL flush
# here as on a real server.  wal_level = replica for the standbys.  Logging every statement and
# connection would add the same cost to both and blur the comparison.
my $conf = <<'CONF';
fsync = on
synchronous_commit = on
wal_level = replica
max_wal_senders = 4
max_connections = 120
shared_buffers = 128MB
log_statement = none
log_connections = off
log_min_messages = warning
CONF

my @nodes;
my $rc = 1;
eval {
	my $certdir = AutouserTest::make_ca();
	my $plain = AutouserTest::start_node('bench_plain', preload => '', conf => $conf);
	push @nodes, $plain;
	# The workers act as a dedicated admin role, as README recommends; it is also the role the
	# auto standby logs in to the primary as.
	my $auto = AutouserTest::start_node('bench_auto', conf => $conf . <<'CONF');
pg_autouser.admin_role = 'bench_provisioner'
CONF
	push @nodes, $auto;

	$auto->safe_psql('postgres', q{
		CREATE ROLE bench_reader NOLOGIN;
		CREATE ROLE plain_user LOGIN;
		CREATE ROLE bench_provisioner LOGIN CREATEROLE;
		CREATE EXTENSION pg_autouser;
		GRANT USAGE ON SCHEMA autouser TO bench_provisioner;
		GRANT EXECUTE ON FUNCTION autouser._provision_for_standby(text, text, text, text[]),
			autouser._renew_leases(text, jsonb) TO bench_provisioner;
		SELECT autouser.add_rule('u_*', ARRAY['bench_reader'], comment => 'bench');
	});
	AutouserTest::wait_for_workers($auto);
	# PostgreSQL 16 and later: the admin role grants only roles it holds WITH ADMIN OPTION.
	AutouserTest::grant_admin_option($auto, 'bench_provisioner', 'bench_reader');

	# The admin-connection approach, as proxies do it: an admin role with CREATEROLE connects
	# and calls a procedure that checks and provisions the role, then the user logs in.
	$plain->safe_psql('postgres', q{
		CREATE ROLE bench_reader NOLOGIN;
		CREATE ROLE plain_user LOGIN;
		CREATE ROLE bench_auto_user NOLOGIN;
		CREATE ROLE bench_admin LOGIN CREATEROLE;
		-- PostgreSQL 16 and later: CREATEROLE grants only roles held WITH ADMIN OPTION.
		GRANT bench_auto_user, bench_reader TO bench_admin WITH ADMIN OPTION;

		-- Strips a managed role to the group role and makes it NOLOGIN.
		CREATE PROCEDURE bench_deactivate_user(username text)
		LANGUAGE plpgsql AS $$
		DECLARE
			g name;
		BEGIN
			FOR g IN SELECT r.rolname FROM pg_auth_members m
			         JOIN pg_roles r ON r.oid = m.roleid
			         WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = username)
			           AND r.rolname <> 'bench_auto_user'
			LOOP
				EXECUTE format('REVOKE %I FROM %I', g, username);
			END LOOP;
			EXECUTE format('ALTER ROLE %I NOLOGIN', username);
		END
		$$;

		-- The same decisions pg_autouser makes, in SQL over an admin session: an unmanaged
		-- role is refused; a managed role in use keeps its set (or is refused); a managed idle
		-- role is stripped and reactivated; a missing role is created; then the set is granted.
		CREATE PROCEDURE bench_activate_user(username text, roles text[])
		LANGUAGE plpgsql AS $$
		DECLARE
			r text;
			have text[];
		BEGIN
			IF EXISTS (SELECT 1 FROM pg_auth_members m
			           JOIN pg_roles g ON g.oid = m.roleid
			           JOIN pg_roles u ON u.oid = m.member
			           WHERE g.rolname = 'bench_auto_user' AND u.rolname = username) THEN
				IF EXISTS (SELECT 1 FROM pg_stat_activity WHERE usename = username) THEN
					SELECT array_agg(g.rolname::text) INTO have FROM pg_auth_members m
					  JOIN pg_roles g ON g.oid = m.roleid
					  WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = username)
					    AND g.rolname <> 'bench_auto_user';
					IF have @> roles AND have <@ roles THEN
						RETURN;
					END IF;
					RAISE EXCEPTION 'role "%" is in use with other roles', username
					  USING ERRCODE = '28000';
				END IF;
				CALL bench_deactivate_user(username);
				EXECUTE format('ALTER ROLE %I LOGIN', username);
			ELSIF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = username) THEN
				RAISE EXCEPTION 'role "%" exists and is not managed', username
				  USING ERRCODE = '28000';
			ELSE
				EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE '
				               'NOREPLICATION NOBYPASSRLS INHERIT IN ROLE bench_auto_user',
				               username);
			END IF;
			FOREACH r IN ARRAY roles
			LOOP
				EXECUTE format('GRANT %I TO %I', r, username);
			END LOOP;
		END
		$$;
	});

	# A streaming hot standby of each.  The auto one provisions first logins and reactivations
	# through its primary, logged in as the admin role by certificate (README: Replicas and
	# failover); the plain one is the standbys' baseline.
	my $plain_standby = AutouserTest::make_standby($plain, 'bench_plain_standby', without_workers => 1);
	push @nodes, $plain_standby;
	my $link = AutouserTest::cert_connstr($auto, AutouserTest::client_cert(cn => 'bench_provisioner'),
		'bench_provisioner');
	my $auto_standby = AutouserTest::make_standby($auto, 'bench_auto_standby', conf => <<"CONF");
pg_autouser.primary_conninfo = @{[ AutouserTest::conf_quote($link) ]}
pg_autouser.node_name = 'bench_standby'
CONF
	push @nodes, $auto_standby;

	my @cmd = ($bin,
		'--plain', '127.0.0.1:' . $plain->port,
		'--auto', '127.0.0.1:' . $auto->port,
		'--plain-admin', $plain->connstr('postgres'),
		'--auto-admin', $auto->connstr('postgres'),
		'--plain-standby', '127.0.0.1:' . $plain_standby->port,
		'--auto-standby', '127.0.0.1:' . $auto_standby->port,
		'--plain-standby-admin', $plain_standby->connstr('postgres'),
		'--auto-standby-admin', $auto_standby->connstr('postgres'),
		'--ca-cert', "$certdir/ca.crt", '--ca-key', "$certdir/ca.key",
		'--workdir', PostgreSQL::Test::Utils::tempdir());
	push @cmd, '--smoke' if $opt{smoke};
	push @cmd, '--rounds', $opt{rounds} if $opt{rounds};
	push @cmd, '--standby-rounds', $opt{'standby-rounds'} if $opt{'standby-rounds'};
	push @cmd, '--out', $opt{out} if $opt{out};
	push @cmd, '--json', $opt{json} if $opt{json};
	push @cmd, @ARGV;
	print $real_stderr "running: @cmd\n";
	# The child writes to the real terminal; the log keeps the clusters' story.
	open(my $log_stdout, '>&', \*STDOUT) or die;
	open(my $log_stderr, '>&', \*STDERR) or die;
	open(STDOUT, '>&', $real_stdout) or die;
	open(STDERR, '>&', $real_stderr) or die;
	system(@cmd);
	my $status = $?;
	open(STDOUT, '>&', $log_stdout) or die;
	open(STDERR, '>&', $log_stderr) or die;
	$rc = $status == 0 ? 0 : 1;
	print $real_stderr "pg_autouser_bench failed (status $status)\n" if $rc;
};
if ($@)
{
	print $real_stderr "run_bench.pl: $@";
	$rc = 1;
}
for my $node (@nodes)
{
	eval { $node->stop('fast'); };
}
exit $rc;
