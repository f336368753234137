# CliTest.pm -- shared set-up for the end-to-end tests of the pg_autouser CLI (011+): running the
# CLI and openssl, and a TLS cluster configured by `pg_autouser server setup` from a CLI-made CA,
# with the extension created and everyone mapped to role "reader".  Tests decide what to assert.
package CliTest;

use strict;
use warnings;
use AutouserTest;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# Runs a command; returns (exit code, stdout, stderr).  %env is added to the environment.
sub run_cmd
{
	my ($cmd, %env) = @_;
	my ($out, $err) = ('', '');
	local @ENV{ keys %env } = values %env;
	IPC::Run::run($cmd, '<', \undef, '>', \$out, '2>', \$err,
		IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
	return ($? >> 8, $out, $err);
}

sub cli { return run_cmd([ 'pg_autouser', @_ ]); }

sub slurp { return PostgreSQL::Test::Utils::slurp_file($_[0]); }

sub mode_of { return sprintf('%04o', (stat $_[0])[2] & 07777); }

# openssl's stdout (and stderr, where it writes "verify OK"); dies unless it exits 0.
sub openssl_text
{
	my ($rc, $out, $err) = run_cmd([ 'openssl', @_ ]);
	die "openssl @_: $err" if $rc != 0;
	return $out . $err;
}

# cert issue; returns { crt, key, pk8, p12, serial } from what it printed.
sub issue
{
	my ($ca, $out_dir, $cn, @more) = @_;
	my ($rc, $out, $err) = cli('cert', 'issue', '--ca', $ca, '--cn', $cn, '--out', $out_dir, @more);
	is($rc, 0, "cert issue $cn succeeds") or diag $err;
	my %files;
	($files{crt}) = $out =~ /^certificate: (.*)$/m;
	($files{key}) = $out =~ /^key: (.*)$/m;
	($files{pk8}) = $out =~ /^pkcs8 key: (.*)$/m;
	($files{p12}) = $out =~ /^pkcs12 bundle: (.*)$/m;
	($files{serial}) = $out =~ /^serial: ([0-9A-F]+)$/m;
	return \%files;
}

# A cluster set up by `pg_autouser server setup --ca $ca`, started, with the extension created
# and the rule '*' -> reader.  %opts: setup => [more setup options], allows_streaming => 1.
sub cli_node
{
	my ($name, $ca, %opts) = @_;
	my @setup_args = @{ $opts{setup} || [] };
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init(allows_streaming => $opts{allows_streaming} ? 1 : 0);
	$node->append_conf('postgresql.conf', "listen_addresses = '127.0.0.1'\nlog_connections = on\n");
	# PostgreSQL 18's connect_fails() with log_like waits for the postmaster's DEBUG2
	# line about the backend's exit (as in AutouserTest::start_node).
	$node->append_conf('postgresql.conf', "log_min_messages = debug2\n") if $node->pg_version >= 18;
	my ($rc, $out, $err) = cli('server', 'setup', '--pgdata', $node->data_dir, '--ca', $ca,
		'--database', 'postgres', @setup_args);
	is($rc, 0, "server setup for $name succeeds") or diag "$out$err";
	$node->start;
	$node->safe_psql('postgres', q{
		CREATE ROLE reader NOLOGIN;
		CREATE EXTENSION pg_autouser;
		SELECT autouser.add_rule('*', ARRAY['reader']);
	});
	AutouserTest::wait_for_workers($node, 1);
	return $node;
}

# libpq connection string for a certificate login as the certificate's CN.
sub cert_connstr
{
	my ($node, $files, $cn, $ca) = @_;
	return 'host=127.0.0.1 port=' . $node->port . ' dbname=postgres user=' . AutouserTest::cq($cn)
	  . ' sslmode=verify-full sslrootcert=' . AutouserTest::cq("$ca/ca.crt")
	  . ' sslcert=' . AutouserTest::cq($files->{crt}) . ' sslkey=' . AutouserTest::cq($files->{key});
}

# Reloads the server and waits until new backends run with the reloaded configuration (and, since
# the postmaster reloads both in one go, the reloaded SSL context and CRL).
sub reload_and_wait
{
	my ($node) = @_;
	my $before = $node->safe_psql('postgres', 'SELECT pg_catalog.pg_conf_load_time()');
	$node->reload;
	$node->poll_query_until('postgres',
		"SELECT pg_catalog.pg_conf_load_time() > '$before'::timestamptz")
	  or die 'the server did not reload';
}

1;
