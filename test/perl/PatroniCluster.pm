# PatroniCluster.pm -- a real Patroni cluster for end-to-end tests: one etcd
# and N Patroni-managed PostgreSQL nodes, everything on 127.0.0.1, TLS with
# the CA that AutouserTest makes, pg_autouser preloaded.  Tests decide what to
# assert; this module only starts, kills, waits and cleans up.
#
#   my $c = PatroniCluster->new(nodes => 3);   # skip_all first if !available
#   $c->start;                       # leader elected, every replica streaming
#   my $leader = $c->leader;         # PostgreSQL::Test::Cluster objects:
#   $leader->safe_psql(...);         # safe_psql, poll_query_until,
#   $leader->connect_ok($c->cert_connstr($leader, $cert, 'alice'), ...);
#   my $old = $c->kill_leader;       # SIGKILL its Patroni and its postmaster
#   my $new = $c->wait_for_new_leader($old);
#   $c->wait_for_replicas_streaming; # every live replica follows $new
#
# Nodes are PostgreSQL::Test::Cluster objects that Patroni, not pg_ctl,
# runs: their data_dir, host (socket directory), port and logfile are the
# ones Patroni uses, so the usual TAP methods work on them; never call
# their start/stop/restart/promote.  The superuser is the OS user the test
# runs as (local trust on the socket, as in AutouserTest; a certificate
# over TCP); Patroni's replication and pg_rewind users log in with scram
# over TLS, from the pgpass file Patroni writes.
#
# Clean-up always runs: an END block, SIGINT/TERM/HUP handlers and, should
# the test process be SIGKILLed, a watchdog process that notices its parent
# is gone.  All three kill only processes whose working directory is inside
# a directory this module made (postgres runs in its data directory;
# Patroni, initdb, pg_basebackup, pg_rewind and etcd in the node's).
package PatroniCluster;

use strict;
use warnings;
use Cwd qw(abs_path);
use Fcntl qw(F_GETFD F_SETFD FD_CLOEXEC);
use File::Basename qw(basename dirname);
use HTTP::Tiny;
use JSON::PP;
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);
use AutouserTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# Short Patroni timings: a SIGKILLed leader's key expires within ttl, and
# loop_wait + 2 * retry_timeout <= ttl keeps a slow but live leader from
# losing its key on a loaded machine.
our %DEFAULT_TIMINGS = (ttl => 12, loop_wait => 2, retry_timeout => 4);

my @clusters;    # for END and the signal handlers

# Undef when patroni and etcd can be run, else why not (for skip_all).
sub unavailable
{
	my @missing = grep { !_which($_) } qw(patroni etcd);
	return @missing ? "not installed: @missing (test/install_deps.sh installs them)" : undef;
}

sub _which
{
	my ($prog) = @_;
	-x "$_/$prog" && return "$_/$prog" for split /:/, ($ENV{PATH} // '');
	return undef;
}

# %opts: nodes (3), scope ('autouser'), ttl, loop_wait, retry_timeout,
# synchronous_mode (0), conf => { postgresql parameter => value } written
# into every node's local configuration (a code ref value is called with
# the node: per-node values), hba => [ lines before the final "cert" line ],
# dcs => { more of Patroni's bootstrap.dcs keys, e.g. primary_start_timeout }.
sub new
{
	my ($class, %opts) = @_;
	my $self = bless {
		nnodes => $opts{nodes} // 3,
		scope => $opts{scope} // 'autouser',
		synchronous_mode => $opts{synchronous_mode} ? 'true' : 'false',
		dcs => $opts{dcs} // {},
		conf => $opts{conf} // {},
		hba => $opts{hba} // [],
		nodes => [],
		procs => {},    # name => pid of its Patroni (our child)
		owned_dirs => [],
		stopped => 0,
		pid => $$,
	}, $class;
	$self->{$_} = $opts{$_} // $DEFAULT_TIMINGS{$_} for keys %DEFAULT_TIMINGS;
	$self->{patroni} = _which('patroni') or die 'patroni is not installed';
	$self->{etcd} = _which('etcd') or die 'etcd is not installed';
	AutouserTest::make_ca() unless $AutouserTest::certdir;
	$self->{certdir} = $AutouserTest::certdir;
	$self->{superuser} = (getpwuid($<))[0];
	$self->{passwords}{$_} = _password() for qw(superuser replication rewind);
	my $testname = basename($0);
	$testname =~ s/\.[^.]+$//;
	$self->{testname} = $testname;

	for my $i (1 .. $self->{nnodes})
	{
		my $node = PostgreSQL::Test::Cluster->new("node$i");
		$node->{_patroni_rest_port} = PostgreSQL::Test::Cluster::get_free_port();
		push @{ $self->{nodes} }, $node;
		push @{ $self->{owned_dirs} }, $node->basedir;
	}
	$self->{bin_dir} = $self->{nodes}[0]->config_data('--bindir');
	$self->{etcd_dir} = PostgreSQL::Test::Utils::tempdir('etcd');
	push @{ $self->{owned_dirs} }, $self->{etcd_dir};
	$self->{etcd_client_port} = PostgreSQL::Test::Cluster::get_free_port();
	$self->{etcd_peer_port} = PostgreSQL::Test::Cluster::get_free_port();
	push @clusters, $self;
	return $self;
}

sub _password
{
	open my $fh, '<:raw', '/dev/urandom' or die "urandom: $!";
	read($fh, my $bytes, 16) == 16 or die 'short read from urandom';
	return unpack('H*', $bytes);
}

sub nodes { return @{ $_[0]{nodes} }; }

# The bootstrap superuser: the OS user the test runs as.  Over TCP it logs
# in by certificate, e.g. client_cert(cn => $c->superuser).
sub superuser { return $_[0]{superuser}; }

sub node
{
	my ($self, $name) = @_;
	my ($n) = grep { $_->name eq $name } @{ $self->{nodes} };
	return $n // die "no node $name";
}

sub _name { return ref $_[1] ? $_[1]->name : $_[1]; }

# ---------------------------------------------------------------------------
# Starting.

# Starts etcd, bootstraps node1, then starts the other nodes; returns once
# node1 leads and every other node streams from it.
sub start
{
	my ($self, %opts) = @_;
	my $t0 = time;
	$self->_install_signal_handlers;
	$self->_start_watchdog;
	$self->_start_etcd;
	my ($first, @rest) = @{ $self->{nodes} };
	$self->_write_patroni_config($_) for @{ $self->{nodes} };
	$self->start_node($first);
	$self->_poll(
		$opts{timeout} // 120,
		$first->name . ' to bootstrap and lead',
		sub {
			$self->_child_alive($self->{procs}{ $first->name })
			  or die 'patroni of ' . $first->name . " exited; see $first->{_patroni_log}\n";
			my $l = $self->leader_name;
			defined $l && $l eq $first->name;
		});
	$self->start_node($_) for @rest;
	$self->wait_for_replicas_streaming($opts{timeout} // 180);
	note sprintf('patroni cluster of %d nodes up in %.1f s', scalar @{ $self->{nodes} }, time - $t0);
	return $self;
}

sub _spawn
{
	my ($self, $dir, $log, @cmd) = @_;
	my $pid = fork;
	die "fork: $!" unless defined $pid;
	if ($pid == 0)
	{
		# In the child: no Perl clean-up of any kind may run here.
		eval {
			POSIX::setsid();
			chdir $dir or die "chdir $dir: $!";
			open STDIN, '<', '/dev/null' or die;
			open STDOUT, '>>', $log or die "$log: $!";
			open STDERR, '>&', \*STDOUT or die;
			delete $ENV{$_} for grep { /^PG|^(?:https?|all|no)_proxy$/i } keys %ENV;
			exec { $cmd[0] } @cmd or die "exec $cmd[0]: $!";
		};
		print STDERR $@;
		POSIX::_exit(127);
	}
	return $pid;
}

sub _start_etcd
{
	my ($self) = @_;
	my $c = "http://127.0.0.1:$self->{etcd_client_port}";
	my $p = "http://127.0.0.1:$self->{etcd_peer_port}";
	$self->{etcd_log} = "$PostgreSQL::Test::Utils::log_path/$self->{testname}_etcd.log";
	$self->{etcd_pid} = $self->_spawn(
		$self->{etcd_dir}, $self->{etcd_log}, $self->{etcd},
		'--name' => 'etcd0',
		'--data-dir' => "$self->{etcd_dir}/data",
		'--listen-client-urls' => $c,
		'--advertise-client-urls' => $c,
		'--listen-peer-urls' => $p,
		'--initial-advertise-peer-urls' => $p,
		'--initial-cluster' => "etcd0=$p",
		'--initial-cluster-state' => 'new',
		'--initial-cluster-token' => "pg_autouser-$$",
		'--logger' => 'zap', '--log-outputs' => 'stderr');
	$self->_poll(30, 'etcd to answer', sub {
		$self->_child_alive($self->{etcd_pid}) or die "etcd exited; see $self->{etcd_log}";
		my $r = _http()->get("$c/health");
		$r->{success} && $r->{content} =~ /"health":\s*"true"/;
	});
}

sub _yaml_str
{
	my ($v) = @_;
	$v =~ s/'/''/g;
	return "'$v'";
}

sub _write_patroni_config
{
	my ($self, $node) = @_;
	my $name = $node->name;
	my $dir = $node->basedir;
	my $cert = $self->{certdir};
	my $su = $self->{superuser};
	my $pw = $self->{passwords};
	my $logdir = dirname($node->logfile);
	my %params = (
		unix_socket_directories => $node->host,
		ssl => 'on',
		ssl_cert_file => "$cert/server.crt",
		ssl_key_file => "$cert/server.key",
		ssl_ca_file => "$cert/ca.crt",
		shared_preload_libraries => 'pg_autouser',
		logging_collector => 'on',
		log_directory => $logdir,
		log_filename => basename($node->logfile),
		log_line_prefix => '%m [%p] %q%a ',
		log_min_messages => 'log',
		log_connections => 'on',
		fsync => 'off',    # throwaway data; a SIGKILL does not lose the page cache
		# A replica repointed at a new leader retries after 1 s, not 5 s.
		wal_retrieve_retry_interval => '1s',
		map { my $v = $self->{conf}{$_}; ($_ => ref $v eq 'CODE' ? $v->($node) : $v) }
		  keys %{ $self->{conf} });
	my $params = join '', map { "    $_: " . _yaml_str($params{$_}) . "\n" } sort keys %params;
	# Patroni reaches its own node over the socket; other nodes as
	# replicator (a physical walsender matches only "replication" lines) and
	# rewinder (pg_rewind and its checks).  Everyone else, the superuser
	# included, logs in over TCP by certificate only.
	my $hba = join '', map { "  - " . _yaml_str($_) . "\n" } (
		'local all all trust',
		'local replication all trust',
		'hostssl replication replicator 127.0.0.1/32 scram-sha-256',
		'hostssl all rewinder 127.0.0.1/32 scram-sha-256',
		@{ $self->{hba} },
		'hostssl all all 127.0.0.1/32 cert');
	my $tls = "sslmode: verify-full, sslrootcert: " . _yaml_str("$cert/ca.crt");
	my $yml = <<"YML";
scope: $self->{scope}
name: $name
log:
  level: INFO
  format: '%(asctime)s %(levelname)s: %(message)s'
restapi:
  listen: 127.0.0.1:$node->{_patroni_rest_port}
  connect_address: 127.0.0.1:$node->{_patroni_rest_port}
etcd3:
  hosts: 127.0.0.1:$self->{etcd_client_port}
  protocol: http
watchdog:
  mode: 'off'
bootstrap:
  dcs:
    ttl: $self->{ttl}
    loop_wait: $self->{loop_wait}
    retry_timeout: $self->{retry_timeout}
    maximum_lag_on_failover: 1048576
    synchronous_mode: $self->{synchronous_mode}
@{[ join '', map { "    $_: $self->{dcs}{$_}\n" } sort keys %{ $self->{dcs} } ]}    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        wal_level: replica
        hot_standby: 'on'
        max_wal_senders: 10
        max_replication_slots: 10
        wal_log_hints: 'on'
        wal_keep_size: 128MB
        max_connections: 100
  # 1 MB WAL segments: far less zero-filling and copying on a shared disk.
  initdb:
  - encoding: UTF8
  - locale: C
  - no-sync
  - wal-segsize: '1'
postgresql:
  listen: 127.0.0.1:@{[ $node->port ]}
  connect_address: 127.0.0.1:@{[ $node->port ]}
  use_unix_socket: true
  data_dir: @{[ _yaml_str($node->data_dir) ]}
  bin_dir: @{[ _yaml_str($self->{bin_dir}) ]}
  pgpass: @{[ _yaml_str("$dir/pgpass") ]}
  authentication:
    superuser: {username: @{[ _yaml_str($su) ]}, password: '$pw->{superuser}', $tls}
    replication: {username: replicator, password: '$pw->{replication}', $tls}
    rewind: {username: rewinder, password: '$pw->{rewind}', $tls}
  basebackup:
  - checkpoint: fast
  parameters:
$params  pg_hba:
$hba
YML
	my $file = "$dir/patroni.yml";
	open my $fh, '>', $file or die "$file: $!";
	print $fh $yml;
	close $fh or die "$file: $!";
	chmod 0600, $file;
	$node->{_patroni_config} = $file;
	$node->{_patroni_log} = "$PostgreSQL::Test::Utils::log_path/$self->{testname}_${name}_patroni.log";
	return;
}

# Starts (or restarts, after kill_node) a node's Patroni; it starts or
# rejoins its PostgreSQL by itself (pg_basebackup, pg_rewind as needed).
sub start_node
{
	my ($self, $which) = @_;
	my $node = $self->node($self->_name($which));
	my $name = $node->name;
	die "patroni of $name is already running"
	  if $self->{procs}{$name} && $self->_child_alive($self->{procs}{$name});
	die "$name still has processes: " . join(', ', $self->_node_procs_desc($node))
	  if $self->node_processes($node);
	$self->{procs}{$name} = $self->_spawn($node->basedir, $node->{_patroni_log},
		$self->{patroni}, $node->{_patroni_config});
	note "started patroni for $name (pid $self->{procs}{$name})";
	return $node;
}

# ---------------------------------------------------------------------------
# Asking who is who.

sub _http { return HTTP::Tiny->new(timeout => 3, proxy => undef, http_proxy => undef, https_proxy => undef); }

# Patroni's REST API of a node: (HTTP status, decoded JSON or undef);
# status 599 means no answer.  $method defaults to GET; $body (a hash) is
# sent as JSON, e.g. patroni_api($n, '/switchover', 'POST', { leader => .. }).
sub patroni_api
{
	my ($self, $which, $path, $method, $body) = @_;
	my $node = $self->node($self->_name($which));
	my %req;
	%req = (content => encode_json($body), headers => { 'Content-Type' => 'application/json' })
	  if $body;
	my $r = _http()->request($method // 'GET',
		"http://127.0.0.1:$node->{_patroni_rest_port}$path", \%req);
	my $json;
	$json = eval { decode_json($r->{content}) } if $r->{content} && $r->{content} =~ /^\s*[{\[]/;
	return ($r->{status}, $json);
}

# Nodes whose Patroni we have not killed.
sub live_nodes
{
	my ($self) = @_;
	return grep { my $p = $self->{procs}{ $_->name }; $p && $self->_child_alive($p) } @{ $self->{nodes} };
}

# One query as the superuser; undef when it fails for any reason.  psql
# reads the query from a pipe, so a server that refuses the connection at
# once can make IPC::Run die of EPIPE: that is a failure too, not an error.
sub _sql
{
	my ($node, $sql) = @_;
	my ($timed_out, $ret, $out) = (0);
	eval {
		($ret, $out) = $node->psql('postgres', $sql, timeout => 15, timed_out => \$timed_out);
		1;
	} or return undef;
	return !$timed_out && defined $ret && $ret == 0 ? $out : undef;
}

# Patroni's own state of a node ('running', 'starting', 'creating replica',
# ...) and role, from GET /patroni; undef when it does not answer.
sub patroni_state
{
	my ($self, $which) = @_;
	my ($code, $json) = $self->patroni_api($which, '/patroni');
	return $json ? ($json->{state}, $json->{role}) : ();
}

# Name of the leader now, or undef: the one live node whose Patroni holds
# the leader key (GET /primary is 200) and whose PostgreSQL is out of
# recovery.  Never waits.
sub leader_name
{
	my ($self) = @_;
	my @leaders = grep {
		my ($code) = $self->patroni_api($_, '/primary');
		$code == 200 && (_sql($_, 'SELECT pg_is_in_recovery()') // '') eq 'f';
	} $self->live_nodes;
	return @leaders == 1 ? $leaders[0]->name : undef;
}

sub leader
{
	my ($self) = @_;
	my $name = $self->leader_name // die 'no leader now: ' . $self->describe;
	return $self->node($name);
}

# Live nodes other than the leader.
sub replicas
{
	my ($self) = @_;
	my $leader = $self->leader_name // die 'no leader now: ' . $self->describe;
	return grep { $_->name ne $leader } $self->live_nodes;
}

# One line per node for failure messages: Patroni's view of the cluster.
sub describe
{
	my ($self) = @_;
	for my $n ($self->live_nodes)
	{
		my ($code, $json) = $self->patroni_api($n, '/cluster');
		next unless $code == 200 && $json;
		return join '; ', map {
			"$_->{name} $_->{role} $_->{state} tl=" . ($_->{timeline} // '?') . ' lag=' . ($_->{lag} // '-')
		} @{ $json->{members} };
	}
	return 'no Patroni answers';
}

# ---------------------------------------------------------------------------
# Waiting.  Every wait is bounded; on timeout it dies saying what it saw.

sub _poll
{
	my ($self, $timeout, $what, $cond) = @_;
	my $deadline = time + $timeout;
	my $pause = 0.1;
	while (1)
	{
		my $ok = $cond->();
		return $ok if $ok;
		die sprintf("timed out after %d s waiting for %s: %s (logs in %s)\n",
			$timeout, $what, $self->describe, $PostgreSQL::Test::Utils::log_path)
		  if time > $deadline;
		sleep $pause;
		$pause = 0.5 if ($pause *= 1.5) > 0.5;
	}
}

# Until every live non-leader node streams from the leader: Patroni calls
# it a running replica (not one still being bootstrapped: Patroni 3.0.2
# drops dynamic configuration changes that arrive then), its WAL receiver
# is connected to the leader's port, and the leader's walsender for it is
# streaming.
sub wait_for_replicas_streaming
{
	my ($self, $timeout) = @_;
	$self->_poll($timeout // 120, 'every replica to stream from the leader', sub {
		my $leader = $self->leader_name // return 0;
		my $ln = $self->node($leader);
		my @replicas = grep { $_->name ne $leader } $self->live_nodes;
		for my $r (@replicas)
		{
			my ($state, $role) = $self->patroni_state($r);
			return 0 unless ($state // '') eq 'running' && ($role // '') eq 'replica';
			my $st = _sql($r, 'SELECT status, sender_port FROM pg_stat_wal_receiver') // return 0;
			return 0 unless $st eq 'streaming|' . $ln->port;
		}
		return 1 unless @replicas;
		my $names = join ',', map { "'" . $_->name . "'" } @replicas;
		my $n = _sql($ln, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"
			  . " AND application_name IN ($names)") // return 0;
		return $n == @replicas;
	});
	return 1;
}

# Until a leader other than $old (name or node) is up and writable;
# returns its node.
sub wait_for_new_leader
{
	my ($self, $old, $timeout) = @_;
	$old = $self->_name($old);
	my $t0 = time;
	my $new;
	$self->_poll($timeout // 90, "a leader other than $old", sub {
		$new = $self->leader_name;
		defined $new && $new ne $old;
	});
	note sprintf('%s took over from %s after %.1f s', $new, $old, time - $t0);
	return $self->node($new);
}

# Until every live replica has replayed everything the leader has written.
sub wait_for_replay
{
	my ($self) = @_;
	my $leader = $self->leader;
	$leader->wait_for_catchup($_, 'replay', $leader->lsn('write')) for $self->replicas;
	return 1;
}

# ---------------------------------------------------------------------------
# Connecting.

# A certificate login to $node (see AutouserTest::client_cert).
sub cert_connstr
{
	my ($self, $node, $cert, $user, $db) = @_;
	return AutouserTest::cert_connstr($node, $cert, $user, $db);
}

# A certificate login listing every node, libpq picking the writable one:
# the kind of string SPEC 10 suggests for pg_autouser.primary_conninfo.
sub multihost_connstr
{
	my ($self, $cert, $user, $db) = @_;
	$db //= 'postgres';
	my @n = @{ $self->{nodes} };
	return 'host=' . join(',', map { '127.0.0.1' } @n) . ' port=' . join(',', map { $_->port } @n)
	  . ' target_session_attrs=read-write connect_timeout=5 dbname=' . AutouserTest::cq($db)
	  . ' user=' . AutouserTest::cq($user)
	  . " sslmode=verify-full sslrootcert=$self->{certdir}/ca.crt $cert";
}

# psql as the superuser on a node (by name or object); dies on error.
sub psql
{
	my ($self, $which, $sql, $db) = @_;
	return $self->node($self->_name($which))->safe_psql($db // 'postgres', $sql);
}

# Changes PostgreSQL settings of the whole cluster through Patroni's
# dynamic configuration (PATCH /config, kept in etcd): every node gets them,
# nodes that join later too, and Patroni reloads.  Waits until every live
# node SHOWs each value, so give values as SHOW prints them ('30s', not
# '30').  Settings in a node's local configuration (new(conf => ...)) win
# over these; settings that need a restart are only flagged pending_restart
# by Patroni.  An undef value removes the setting (without waiting).
sub set_dynamic_conf
{
	my ($self, %params) = @_;
	my ($code) = $self->patroni_api($self->leader, '/config', 'PATCH',
		{ postgresql => { parameters => \%params } });
	die "PATCH /config failed: HTTP $code" unless $code == 200;
	for my $node ($self->live_nodes)
	{
		for my $k (sort grep { defined $params{$_} } keys %params)
		{
			(my $v = $params{$k}) =~ s/'/''/g;
			$self->_poll(60, "$k = '$params{$k}' on " . $node->name, sub {
				(_sql($node, "SELECT current_setting('$k', true) = '$v'") // '') eq 't';
			});
		}
	}
	return 1;
}

# Until some node leads (see leader_name); returns it.
sub wait_for_leader
{
	my ($self, $timeout) = @_;
	my $name;
	$self->_poll($timeout // 90, 'a leader', sub { $name = $self->leader_name });
	return $self->node($name);
}

# ---------------------------------------------------------------------------
# Killing.

sub _postmaster_pid
{
	my ($node) = @_;
	open my $fh, '<', $node->data_dir . '/postmaster.pid' or return undef;
	my $pid = <$fh>;
	chomp $pid if defined $pid;
	return $pid && $pid =~ /^\d+$/ ? $pid : undef;
}

# SIGKILLs a node, as if the machine had died: first its Patroni (so that
# it does not restart PostgreSQL, or keep the leader key alive), then the
# postmaster.  The postmaster's children notice its death and exit; any
# still there after 15 s are SIGKILLed too (with a note naming them), since
# they would keep the old shared memory from a later start_node.
# patroni => 0 kills only the postmaster: Patroni then restarts it in place
# (crash recovery, same leader) unless primary_start_timeout is 0.
sub kill_node
{
	my ($self, $which, %opts) = @_;
	my $node = $self->node($self->_name($which));
	my $name = $node->name;
	my $kill_patroni = $opts{patroni} // 1;
	my $pm = _postmaster_pid($node);
	if ($kill_patroni && (my $p = $self->{procs}{$name}))
	{
		kill 'KILL', $p;
		$self->_poll(10, "patroni of $name to die", sub { !$self->_child_alive($p) });
	}
	die "$name has no postmaster.pid" unless $pm;
	note "SIGKILL postmaster of $name (pid $pm)";
	kill 'KILL', $pm;
	$self->_poll(10, "postmaster of $name to die", sub { !_alive($pm) });
	return $name unless $kill_patroni;
	my $gone = eval {
		$self->_poll(15, "children of $name to exit", sub { !$self->node_processes($node) });
	};
	unless ($gone)
	{
		note "still running after the postmaster's death: " . join(', ', $self->_node_procs_desc($node));
		kill 'KILL', $self->node_processes($node);
		$self->_poll(10, "stragglers of $name to die", sub { !$self->node_processes($node) });
	}
	return $name;
}

# Stops a node the polite way: SIGTERM to its Patroni, which shuts
# PostgreSQL down (fast) and, on the leader, hands the leader key back so a
# replica takes over at once.  Waits until the node's processes are gone;
# start_node brings it back.
sub stop_node
{
	my ($self, $which, $timeout) = @_;
	my $node = $self->node($self->_name($which));
	my $p = $self->{procs}{ $node->name };
	kill 'TERM', $p if $p && $self->_child_alive($p);
	$self->_poll($timeout // 60, 'processes of ' . $node->name . ' to exit', sub {
		$self->_child_alive($p) if $p;
		!$self->node_processes($node);
	});
	return $node->name;
}

# kill_node on the current leader; returns the leader's name.
sub kill_leader
{
	my ($self, %opts) = @_;
	return $self->kill_node($self->leader->name, %opts);
}

# ---------------------------------------------------------------------------
# Processes and clean-up.

sub _alive
{
	my ($pid) = @_;
	open my $fh, '<', "/proc/$pid/stat" or return 0;
	my $stat = <$fh> // return 0;
	return $stat =~ /\)\s+([A-Za-z])/ && $1 ne 'Z' && $1 ne 'X';
}

# For our own children: reap if exited, then look.
sub _child_alive
{
	my ($self, $pid) = @_;
	waitpid($pid, WNOHANG);
	return _alive($pid);
}

# Pids of live processes whose working directory is inside one of @dirs.
sub _procs_in
{
	my (@dirs) = @_;
	my @pids;
	opendir my $dh, '/proc' or return;
	for my $pid (grep { /^\d+$/ && $_ != $$ } readdir $dh)
	{
		my $cwd = readlink "/proc/$pid/cwd" or next;
		next unless grep { $cwd eq $_ || index($cwd, "$_/") == 0 } @dirs;
		push @pids, $pid if _alive($pid);
	}
	return @pids;
}

# Pids still running in a node's directory (its Patroni if not killed,
# postgres processes, pg_basebackup, pg_rewind...).
sub node_processes
{
	my ($self, $node) = @_;
	return _procs_in(abs_path($node->basedir) // $node->basedir);
}

sub _node_procs_desc
{
	my ($self, $node) = @_;
	return map {
		open my $fh, '<', "/proc/$_/cmdline";
		my $c = $fh ? do { local $/; <$fh> } : '';
		$c =~ s/\0/ /g;
		$c =~ s/\s+$//;
		"$_ ($c)";
	} $self->node_processes($node);
}

# "addr:port" of every TCP socket our processes listen on (etcd, Patroni's
# REST API, postgres); IPv6 ones as "[hex]:port".
sub listen_addresses
{
	my ($self) = @_;
	my %inode;
	for my $pid (_procs_in($self->_owned_dirs))
	{
		opendir my $dh, "/proc/$pid/fd" or next;
		for (readdir $dh)
		{
			my $l = readlink "/proc/$pid/fd/$_" // next;
			$inode{$1} = 1 if $l =~ /^socket:\[(\d+)\]$/;
		}
	}
	my @out;
	for my $f ('/proc/net/tcp', '/proc/net/tcp6')
	{
		open my $fh, '<', $f or next;
		<$fh>;
		while (<$fh>)
		{
			my @c = split ' ';
			next unless $c[3] eq '0A' && $inode{ $c[9] };
			my ($a, $p) = split /:/, $c[1];
			my $addr = length $a == 8 ? join('.', reverse unpack('C4', pack('H8', $a))) : "[$a]";
			push @out, "$addr:" . hex($p);
		}
	}
	return sort @out;
}

sub _owned_dirs
{
	my ($self) = @_;
	return map { abs_path($_) // $_ } @{ $self->{owned_dirs} };
}

# Stops everything this cluster started; safe to call more than once and
# from END.  Patroni first (SIGKILL: no failover dance during teardown),
# then an immediate shutdown of each postmaster, then etcd; whatever still
# runs in our directories after that is SIGKILLed.
sub stop_all
{
	my ($self) = @_;
	return if $self->{stopped} || $self->{pid} != $$;
	$self->{stopped} = 1;
	local $?;
	for my $pid (values %{ $self->{procs} })
	{
		kill 'KILL', $pid if $self->_child_alive($pid);
	}
	for my $node (@{ $self->{nodes} })
	{
		my $pm = _postmaster_pid($node);
		kill 'QUIT', $pm if $pm && _alive($pm);
	}
	my @dirs = grep { $_ ne $self->{etcd_dir} } $self->_owned_dirs;
	_wait_gone(15, @dirs) or kill 'KILL', _procs_in(@dirs);
	if ($self->{etcd_pid} && $self->_child_alive($self->{etcd_pid}))
	{
		kill 'TERM', $self->{etcd_pid};
		_wait_gone(10, $self->_owned_dirs) or kill 'KILL', _procs_in($self->_owned_dirs);
	}
	_wait_gone(10, $self->_owned_dirs) or diag 'could not stop: ' . join(' ', _procs_in($self->_owned_dirs));
	waitpid($_, WNOHANG) for values %{ $self->{procs} }, grep { defined } $self->{etcd_pid};
	if ($self->{watchdog_pid})
	{
		close $self->{watchdog_fh};
		my $deadline = time + 10;
		sleep 0.05 while waitpid($self->{watchdog_pid}, WNOHANG) == 0 && time < $deadline;
	}
	return;
}

sub _wait_gone
{
	my ($timeout, @dirs) = @_;
	my $deadline = time + $timeout;
	while (_procs_in(@dirs))
	{
		return 0 if time > $deadline;
		sleep 0.1;
	}
	return 1;
}

# A child that outlives the test process only to clean up: it blocks on a
# pipe whose only writer is this process; EOF means the test has ended,
# however it ended (even SIGKILL).  Perl marks the writer close-on-exec,
# so Patroni, etcd and psql never hold it.
sub _start_watchdog
{
	my ($self) = @_;
	pipe(my $r, my $w) or die "pipe: $!";
	my @dirs = $self->_owned_dirs;
	my $pid = fork;
	die "fork: $!" unless defined $pid;
	if ($pid == 0)
	{
		close $w;
		# Close every other inherited handle so prove does not wait on us.
		open STDIN, '<', '/dev/null';
		open STDOUT, '>', '/dev/null';
		open STDERR, '>', '/dev/null';
		POSIX::setsid();
		$SIG{$_} = 'IGNORE' for qw(INT TERM HUP);
		sysread($r, my $buf, 1);
		kill 'KILL', _procs_in(@dirs) for 1 .. 3;
		POSIX::_exit(0);
	}
	close $r;
	my $flags = fcntl($w, F_GETFD, 0);
	fcntl($w, F_SETFD, $flags | FD_CLOEXEC);
	$self->{watchdog_pid} = $pid;
	$self->{watchdog_fh} = $w;
	return;
}

sub _install_signal_handlers
{
	for my $sig (qw(INT TERM HUP))
	{
		$SIG{$sig} = sub {
			diag "caught SIG$sig, stopping the patroni cluster";
			$_->stop_all for @clusters;
			exit 1;
		};
	}
	return;
}

END
{
	my $rc = $?;
	$_->stop_all for @clusters;
	$? = $rc;
}

1;
