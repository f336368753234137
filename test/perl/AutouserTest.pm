# AutouserTest.pm -- shared set-up for the end-to-end tests: a throwaway CA
# and certificates made with the openssl command, and a TLS cluster on
# loopback with pg_autouser preloaded.  Tests decide what to assert.
package AutouserTest;

use strict;
use warnings;
use File::Copy;
use FindBin;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

our $certdir;

sub run_openssl
{
	my @cmd = ('openssl', @_);
	my ($out, $err);
	IPC::Run::run(\@cmd, '>', \$out, '2>', \$err)
	  or die "openssl @_ failed: $err";
	return $out;
}

# Escape a value for openssl's -subj "/K=V/..." syntax.
sub subj_escape
{
	my ($v) = @_;
	$v =~ s/([\\\/+=])/\\$1/g;
	return $v;
}

# A CA and a server certificate for 127.0.0.1 / localhost.
sub make_ca
{
	$certdir = PostgreSQL::Test::Utils::tempdir();
	run_openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', "$certdir/ca.key");
	run_openssl('req', '-x509', '-new', '-key', "$certdir/ca.key", '-days', '2',
		'-subj', '/CN=pg_autouser test CA', '-out', "$certdir/ca.crt");
	run_openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', "$certdir/server.key");
	run_openssl('req', '-new', '-key', "$certdir/server.key", '-subj', '/CN=localhost',
		'-out', "$certdir/server.csr");
	open my $ext, '>', "$certdir/server.ext" or die;
	print $ext "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
	close $ext;
	run_openssl('x509', '-req', '-in', "$certdir/server.csr", '-CA', "$certdir/ca.crt",
		'-CAkey', "$certdir/ca.key", '-CAcreateserial', '-days', '2',
		'-extfile', "$certdir/server.ext", '-out', "$certdir/server.crt");
	chmod 0600, "$certdir/server.key", "$certdir/ca.key";
	return $certdir;
}

my $client_seq = 0;

# A client certificate; %subject: cn => ..., ou => [...], o => ...,
# more_cn => [...] (further CN attributes), rdn_with_cn => 'OU=x' (a
# multi-valued RDN with the CN).  Returns the libpq parameters that present
# it.  cn => undef makes none.
sub client_cert
{
	my (%subject) = @_;
	my $n = ++$client_seq;
	my $subj = '';
	$subj .= '/O=' . subj_escape($subject{o}) if defined $subject{o};
	$subj .= '/OU=' . subj_escape($_) for @{ $subject{ou} || [] };
	$subj .= '/CN=' . subj_escape($subject{cn}) if defined $subject{cn};
	$subj .= '/CN=' . subj_escape($_) for @{ $subject{more_cn} || [] };
	# rdn_with_cn => 'OU=x': a multi-valued RDN holding the CN, "CN=name+OU=x".
	$subj .= '+' . $subject{rdn_with_cn} if defined $subject{rdn_with_cn};
	$subj = '/O=no common name' if $subj eq '';
	my @multi = defined $subject{rdn_with_cn} ? ('-multivalue-rdn') : ();
	my $ca = $subject{untrusted} ? make_untrusted_ca() : "$certdir/ca";
	run_openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', "$certdir/c$n.key");
	run_openssl('req', '-new', '-utf8', @multi, '-key', "$certdir/c$n.key", '-subj', $subj,
		'-out', "$certdir/c$n.csr");
	run_openssl('x509', '-req', '-in', "$certdir/c$n.csr", '-CA', "$ca.crt", '-CAkey', "$ca.key",
		'-CAcreateserial', '-days', '2', '-out', "$certdir/c$n.crt");
	chmod 0600, "$certdir/c$n.key";
	return "sslcert=$certdir/c$n.crt sslkey=$certdir/c$n.key";
}

sub make_untrusted_ca
{
	run_openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', "$certdir/evil.key");
	run_openssl('req', '-x509', '-new', '-key', "$certdir/evil.key", '-days', '2',
		'-subj', '/CN=untrusted CA', '-out', "$certdir/evil.crt");
	return "$certdir/evil";
}

# Quote a value for a libpq connection string.
sub cq
{
	my ($v) = @_;
	$v =~ s/([\\'])/\\$1/g;
	return "'$v'";
}

# A TLS cluster with pg_autouser preloaded; %conf adds postgresql.conf lines.
sub start_node
{
	my ($name, %opts) = @_;
	make_ca() unless $certdir;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	my $pgdata = $node->data_dir;
	copy("$certdir/$_", "$pgdata/$_") for qw(server.crt server.key ca.crt);
	chmod 0600, "$pgdata/server.key";
	my $preload = exists $opts{preload} ? $opts{preload} : 'pg_autouser';
	# PostgreSQL 18's connect_fails() with log_like first waits for the postmaster's
	# DEBUG2 line about the backend's exit; below DEBUG2 it times out.
	my $log_level = $node->pg_version >= 18 ? 'debug2' : 'log';
	$node->append_conf('postgresql.conf', <<"CONF");
listen_addresses = '127.0.0.1'
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
ssl_ca_file = 'ca.crt'
shared_preload_libraries = '$preload'
log_min_messages = $log_level
log_connections = on
CONF
	$node->append_conf('postgresql.conf', $opts{conf}) if $opts{conf};
	open my $hba, '>', "$pgdata/pg_hba.conf" or die;
	print $hba "local all all trust\n";
	print $hba "local replication all trust\n";
	print $hba "hostssl all pwuser 127.0.0.1/32 scram-sha-256\n";
	print $hba "hostssl all all 127.0.0.1/32 cert\n";
	close $hba;
	$node->start;
	return $node;
}

# A streaming hot standby of $primary, from a fresh base backup; %opts:
# conf => more postgresql.conf lines, without_workers => 1 for a primary
# that does not preload pg_autouser.  Returns once it replays and its
# workers wait for work.
my $standby_seq = 0;
sub make_standby
{
	my ($primary, $name, %opts) = @_;
	my $backup = 'base' . ++$standby_seq;
	$primary->backup($backup);
	my $standby = PostgreSQL::Test::Cluster->new($name);
	$standby->init_from_backup($primary, $backup, has_streaming => 1);
	chmod 0600, $standby->data_dir . '/server.key';
	$standby->append_conf('postgresql.conf', "listen_addresses = '127.0.0.1'\nhot_standby = on\n");
	$standby->append_conf('postgresql.conf', $opts{conf}) if $opts{conf};
	$standby->start;
	$primary->wait_for_catchup($standby);
	wait_for_workers($standby, 1) unless $opts{without_workers};
	return $standby;
}

# $n certificates CN=$prefix<i> sharing one key, made by
# test/tools/mkcerts_bulk.py; returns their directory.
sub bulk_certs
{
	my ($prefix, $n) = @_;
	make_ca() unless $certdir;
	my $dir = "$certdir/bulk_$prefix";
	system('python3', "$FindBin::RealBin/../tools/mkcerts_bulk.py", $certdir, $dir, $prefix, $n) == 0
	  or die 'mkcerts_bulk.py failed';
	return $dir;
}

# test/tools/flood.c, built into $dir: certificate logins of many
# identities in parallel ("flood CONNINFO DIR PREFIX N THREADS").
sub flood_program
{
	my ($dir) = @_;
	my $inc = `pg_config --includedir`;
	chomp $inc;
	system('gcc', '-O2', '-o', "$dir/flood", "$FindBin::RealBin/../tools/flood.c", "-I$inc", '-lpq',
		'-lpthread') == 0
	  or die 'cannot build flood.c';
	return "$dir/flood";
}

# A value for a postgresql.conf line: single-quoted, quotes doubled.
sub conf_quote
{
	my ($v) = @_;
	$v =~ s/'/''/g;
	return "'$v'";
}

# Connection string for a certificate login as user (default: the CN).
sub cert_connstr
{
	my ($node, $cert, $user, $db) = @_;
	$db //= 'postgres';
	return 'host=127.0.0.1 port=' . $node->port . ' dbname=' . cq($db)
	  . ' user=' . cq($user) . " sslmode=verify-full sslrootcert=$certdir/ca.crt $cert";
}

# Wait until a worker has published the rules (or the inert state).
sub wait_for_workers
{
	my ($node, $count) = @_;
	$count //= 1;
	$node->poll_query_until('postgres',
		"SELECT count(*) >= $count FROM pg_stat_activity WHERE backend_type = 'pg_autouser worker'"
		  . " AND wait_event = 'Extension'")
	  or die 'pg_autouser workers did not start';
}

# Start psql logins in parallel; returns their handles for finish_logins.
sub start_logins
{
	my ($node, @connstrs) = @_;
	my @runs;
	for my $c (@connstrs)
	{
		my %r = (out => '', err => '');
		$r{h} = IPC::Run::start(
			[ 'psql', '-XAtq', '-w', '-d', $c, '-c', 'SELECT current_user' ],
			'<', \undef, '>', \$r{out}, '2>', \$r{err},
			IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
		push @runs, \%r;
	}
	return @runs;
}

# Waits for logins; each result: { ok => 0/1, out, err }.
sub finish_logins
{
	my @runs = @_;
	for my $r (@runs)
	{
		eval { $r->{h}->finish; };
		$r->{timed_out} = $@ ? 1 : 0;
		$r->{ok} = (!$r->{timed_out} && $r->{h}->result(0) == 0) ? 1 : 0;
	}
	return @runs;
}


package AutouserTest;

# An open psql session over a certificate login (BackgroundPsql); quit() it.
sub open_session
{
	my ($connstr) = @_;
	return AutouserTest::Session::open($connstr);
}

# Opens and ends a certificate session of $user; returns the server's own
# measure (from the cleanup event) of the time from the session's end to
# the role's deactivation or drop, in ms, or 999999 if no event came.
sub cleanup_ms
{
	my ($node, $cert, $user) = @_;
	my $s = open_session(cert_connstr($node, $cert, $user));
	$s->query_safe('SELECT 1');
	$s->quit;
	my $events = "FROM autouser.events WHERE role = '$user' AND action IN ('drop', 'deactivate')";
	$node->poll_query_until('postgres', "SELECT count(*) > 0 $events") or return 999999;
	return $node->safe_psql('postgres', "SELECT substring(detail from '^([0-9]+) ms after') $events");
}

# Append a setting to postgresql.conf, reload, and wait until it is in effect.
sub set_conf
{
	my ($node, $setting, $value) = @_;
	$node->append_conf('postgresql.conf', "$setting = '$value'\n");
	$node->reload;
	$node->poll_query_until('postgres', "SELECT current_setting('$setting') = '$value'")
	  or die "$setting did not take $value";
}

# PostgreSQL 16 and later: a CREATEROLE admin role grants (and revokes) only the
# roles it holds WITH ADMIN OPTION; 15 needs nothing.  Gives it that without their
# rights, as `pg_autouser server setup --admin-role` does.  The roles must exist.
sub grant_admin_option
{
	my ($node, $admin, @roles) = @_;
	return if $node->pg_version < 16;
	$node->safe_psql('postgres',
		'GRANT ' . join(', ', @roles) . " TO $admin WITH ADMIN OPTION, INHERIT FALSE, SET FALSE");
}

# $role's role-wide settings (ALTER ROLE ... SET, in no database), as
# stored: "name=value,...", or '' when it has none.
sub role_settings
{
	my ($node, $role) = @_;
	return $node->safe_psql('postgres', qq{
		SELECT coalesce((SELECT array_to_string(s.setconfig, ',') FROM pg_db_role_setting s
		                 WHERE s.setrole = r.oid AND s.setdatabase = 0), '')
		FROM pg_roles r WHERE r.rolname = '$role'});
}

# Waits (bounded, polling the file) until the server log holds $n matches
# of $regex; for waits a database connection would disturb.
sub wait_for_log_count
{
	my ($node, $regex, $n) = @_;
	my $deadline = time + $PostgreSQL::Test::Utils::timeout_default;
	while (time < $deadline)
	{
		my $count = () = PostgreSQL::Test::Utils::slurp_file($node->logfile) =~ /$regex/g;
		return 1 if $count >= $n;
		select(undef, undef, undef, 0.1);
	}
	return 0;
}

# Pids of the running provisioning workers.
sub worker_pids
{
	my ($node) = @_;
	my $pids = $node->safe_psql('postgres',
		"SELECT string_agg(pid::text, ' ') FROM pg_stat_activity WHERE backend_type = 'pg_autouser worker'");
	return split / /, $pids;
}

# Runs $sql in database postgres as $role (psql -U): "ok:" and the output,
# or the error's SQLSTATE and message, "42501 permission denied ...".
sub psql_as
{
	my ($node, $role, $sql) = @_;
	my ($ret, $out, $err) = $node->psql('postgres', "\\set VERBOSITY verbose\n$sql",
		extra_params => [ '-U', $role ]);
	return "ok:$out" if $ret == 0;
	my ($state, $msg) = $err =~ /ERROR:  ([0-9A-Z]{5}): ([^\n]*)/;
	return $state ? "$state $msg" : $err;
}

# The role's memberships as "a,b,c" (sorted), or undef if it does not exist.
sub memberships
{
	my ($node, $role) = @_;
	my $lit = $role;
	$lit =~ s/'/''/g;
	return $node->safe_psql('postgres', qq{
		SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$lit') THEN 'MISSING'
		ELSE coalesce((SELECT string_agg(r.rolname, ',' ORDER BY r.rolname)
		  FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
		  JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = '$lit'), '') END});
}

# Escalation traps (SPEC 6, the security issue): schema $schema, owned by
# $owner, shadows every operator and function pg_autouser's SQL uses with a
# version that, run by anyone with more rights than $owner, makes $owner
# SUPERUSER (or CREATEROLE) and records that it ran in $schema.fired.
# Semantics are kept, so only the side effect tells.
sub install_traps
{
	my ($node, $db, $schema, $owner) = @_;
	$node->safe_psql($db, qq{
		CREATE SCHEMA $schema AUTHORIZATION $owner;
		SET ROLE $owner;
		CREATE TABLE $schema.fired (who name, what text, at timestamptz DEFAULT clock_timestamp());
		GRANT INSERT ON $schema.fired TO PUBLIC;
		GRANT USAGE ON SCHEMA $schema TO PUBLIC;
		-- Its own search_path is pinned: under the caller's, its "<>" would be
		-- the trap's, which calls spring again, until the stack runs out and
		-- the call rolls back with nothing recorded.
		CREATE FUNCTION $schema.spring(what text) RETURNS void LANGUAGE plpgsql
		SET search_path = pg_catalog, pg_temp AS \$f\$
		BEGIN
			IF current_user OPERATOR(pg_catalog.<>) '$owner' THEN
				INSERT INTO $schema.fired (who, what) VALUES (current_user, what);
				BEGIN
					EXECUTE 'ALTER ROLE $owner SUPERUSER';
				EXCEPTION WHEN OTHERS THEN
					BEGIN
						EXECUTE 'ALTER ROLE $owner CREATEROLE';
					EXCEPTION WHEN OTHERS THEN NULL;
					END;
				END;
			END IF;
		END \$f\$;
	});
	my @ops = (
		[ '=', 'oid', 'oid', 'bool' ], [ '=', 'text', 'text', 'bool' ],
		[ '=', 'name', 'name', 'bool' ], [ '=', 'bigint', 'bigint', 'bool' ],
		[ '=', 'integer', 'integer', 'bool' ], [ '=', 'timestamptz', 'timestamptz', 'bool' ],
		[ '=', 'regclass', 'regclass', 'bool' ],
		[ '<>', 'oid', 'oid', 'bool' ], [ '<>', 'text', 'text', 'bool' ],
		[ '<>', 'name', 'name', 'bool' ], [ '<>', 'integer', 'integer', 'bool' ],
		[ '<', 'timestamptz', 'timestamptz', 'bool' ], [ '>', 'timestamptz', 'timestamptz', 'bool' ],
		[ '<=', 'timestamptz', 'timestamptz', 'bool' ], [ '>=', 'timestamptz', 'timestamptz', 'bool' ],
		[ '<', 'bigint', 'bigint', 'bool' ], [ '>', 'bigint', 'bigint', 'bool' ],
		[ '-', 'timestamptz', 'interval', 'timestamptz' ], [ '+', 'timestamptz', 'interval', 'timestamptz' ],
		[ '-', 'timestamptz', 'timestamptz', 'interval' ], [ '+', 'integer', 'integer', 'integer' ],
		[ '||', 'text', 'text', 'text' ], [ '~~', 'text', 'text', 'bool' ],
	);
	my $n = 0;
	my $sql = "SET ROLE $owner;
";
	for my $op (@ops)
	{
		my ($sym, $l, $r, $ret) = @$op;
		$n++;
		$sql .= qq{
			CREATE FUNCTION $schema.op$n(a $l, b $r) RETURNS $ret LANGUAGE plpgsql
			SET search_path = pg_catalog, pg_temp AS \$f\$
			BEGIN PERFORM $schema.spring('operator $sym ($l, $r)'); RETURN a OPERATOR(pg_catalog.$sym) b; END \$f\$;
			CREATE OPERATOR $schema.$sym (LEFTARG = $l, RIGHTARG = $r, FUNCTION = $schema.op$n);
		};
	}
	my @funcs = (
		[ 'now()', 'timestamptz', 'pg_catalog.now()' ],
		[ 'current_database()', 'name', 'pg_catalog.current_database()' ],
		[ 'current_setting(t text)', 'text', 'pg_catalog.current_setting(t)' ],
		[ 'format(f text, a text)', 'text', 'pg_catalog.format(f, a)' ],
		[ 'make_interval(mins integer)', 'interval', 'pg_catalog.make_interval(mins => mins)' ],
		[ 'pg_terminate_backend(p integer, t bigint)', 'boolean', 'pg_catalog.pg_terminate_backend(p, t)' ],
		[ 'pg_backend_pid()', 'integer', 'pg_catalog.pg_backend_pid()' ],
		[ 'nextval(s regclass)', 'bigint', 'pg_catalog.nextval(s)' ],
		[ 'unnest(a integer[])', 'SETOF integer', 'pg_catalog.unnest(a)' ],
		[ 'jsonb_each(j jsonb)', 'SETOF record', 'NULL' ],
		[ 'lower(t text)', 'text', 'pg_catalog.lower(t)' ],
		[ 'length(t text)', 'integer', 'pg_catalog.length(t)' ],
	);
	for my $f (@funcs)
	{
		my ($sig, $ret, $body) = @$f;
		my ($fname) = $sig =~ /^(\w+)/;
		my $kind = $ret =~ /^SETOF/ ? 'RETURN QUERY SELECT ' . $body : 'RETURN ' . $body;
		$kind = 'RETURN' if $ret eq 'SETOF record';
		$sql .= qq{
			CREATE FUNCTION $schema.$sig RETURNS $ret LANGUAGE plpgsql
			SET search_path = pg_catalog, pg_temp AS \$f\$
			BEGIN PERFORM $schema.spring('function $fname'); $kind; END \$f\$;
		};
	}
	$sql .= qq{
		CREATE FUNCTION $schema.count_sfunc(s bigint) RETURNS bigint LANGUAGE plpgsql
		SET search_path = pg_catalog, pg_temp AS \$f\$
		BEGIN PERFORM $schema.spring('aggregate count'); RETURN s + 1; END \$f\$;
		CREATE AGGREGATE $schema.count(*) (SFUNC = $schema.count_sfunc, STYPE = bigint, INITCOND = '0');
		CREATE FUNCTION $schema.agg_sfunc(s text[], v text) RETURNS text[] LANGUAGE plpgsql
		SET search_path = pg_catalog, pg_temp AS \$f\$
		BEGIN PERFORM $schema.spring('aggregate array_agg'); RETURN s || v; END \$f\$;
		CREATE AGGREGATE $schema.array_agg(text) (SFUNC = $schema.agg_sfunc, STYPE = text[]);
		RESET ROLE;
	};
	$node->safe_psql($db, $sql);
	return;
}

# What the traps of install_traps caught ("who:what" lines), '' if nothing.
sub traps_fired
{
	my ($node, $db, $schema) = @_;
	return $node->safe_psql($db,
		"SELECT coalesce(string_agg(DISTINCT who || ':' || what, ', '), '') FROM $schema.fired");
}

# A session held open by a real client (psql, verbose errors, fed through
# a pipe): hold($connstr) connects; $h->query($sql) runs one statement and
# returns "OK <value>" or, when the server ended the session,
# "ERROR <sqlstate> <message>"; $h->send($sql) starts one and
# $h->read_line waits for its answer; $h->close ends it.
sub hold
{
	my ($connstr) = @_;
	my %h = (in => '', out => '', err => '');
	$h{run} = IPC::Run::start(
		[ 'psql', '-X', '-q', '-A', '-t', '-v', 'VERBOSITY=verbose', '-d', $connstr ],
		'<', \$h{in}, '>', \$h{out}, '2>', \$h{err},
		IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
	my $self = bless \%h, 'AutouserTest::Held';
	$self->send('SELECT \'READY\'');
	$self->{first} = $self->read_line;
	$self->{first} =~ s/^OK //;
	return $self;
}

# An openssl ca set-up over the test CA, for certificates with exact dates
# and for revocation lists.
sub ca_config
{
	my $conf = "$certdir/ca.cnf";
	return $conf if -f $conf;
	mkdir "$certdir/issued";
	PostgreSQL::Test::Utils::append_to_file("$certdir/index.txt", '');
	PostgreSQL::Test::Utils::append_to_file("$certdir/crlnumber", "01\n");
	PostgreSQL::Test::Utils::append_to_file($conf, <<"CNF");
[ca]
default_ca = test_ca
[test_ca]
database = $certdir/index.txt
new_certs_dir = $certdir/issued
certificate = $certdir/ca.crt
private_key = $certdir/ca.key
serial = $certdir/ca.srl
crlnumber = $certdir/crlnumber
default_md = sha256
default_crl_days = 1
policy = anything
unique_subject = no
[anything]
commonName = supplied
organizationalUnitName = optional
CNF
	return $conf;
}

# A client certificate for cn that expires $seconds from now.
sub expiring_cert
{
	my ($cn, $seconds) = @_;
	my $n = ++$client_seq;
	my $conf = ca_config();
	my @t = gmtime(time - 60);
	my $start = sprintf('%04d%02d%02d%02d%02d%02dZ', $t[5] + 1900, $t[4] + 1, @t[3, 2, 1, 0]);
	@t = gmtime(time + $seconds);
	my $end = sprintf('%04d%02d%02d%02d%02d%02dZ', $t[5] + 1900, $t[4] + 1, @t[3, 2, 1, 0]);
	run_openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', "$certdir/c$n.key");
	run_openssl('req', '-new', '-key', "$certdir/c$n.key", '-subj', '/CN=' . subj_escape($cn),
		'-out', "$certdir/c$n.csr");
	run_openssl('ca', '-batch', '-config', $conf, '-notext', '-in', "$certdir/c$n.csr",
		'-startdate', $start, '-enddate', $end, '-out', "$certdir/c$n.crt");
	chmod 0600, "$certdir/c$n.key";
	return "sslcert=$certdir/c$n.crt sslkey=$certdir/c$n.key";
}

# Revokes the certificate of a client_cert() result and writes the test CA's
# revocation list to $crl.
sub revoke_cert
{
	my ($cert, $crl) = @_;
	my ($file) = $cert =~ /sslcert=(\S+)/;
	my $conf = ca_config();
	run_openssl('ca', '-batch', '-config', $conf, '-revoke', $file);
	run_openssl('ca', '-batch', '-config', $conf, '-gencrl', '-out', $crl);
	return;
}

# BackgroundPsql only lets Cluster subclasses construct it.
package AutouserTest::Session;
use parent -norequire, 'PostgreSQL::Test::Cluster';
use PostgreSQL::Test::BackgroundPsql;

sub open
{
	my ($connstr) = @_;
	return PostgreSQL::Test::BackgroundPsql->new(0,
		[ 'psql', '-XAtq', '-w', '-d', $connstr, '-f', '-' ], undef, 1);
}

package AutouserTest::Held;

# Waits for the answer to the statement sent last.
sub read_line
{
	my ($self) = @_;
	while ($self->{out} !~ /^__DONE__$/m)
	{
		last unless $self->{run}->pumpable;
		eval { $self->{run}->pump; };
		last if $@;
	}
	if ($self->{out} =~ s/^(.*?)__DONE__\n//s)
	{
		my $value = $1;
		chomp $value;
		return "OK $value";
	}
	# psql ended: the server closed the session and said why, verbosely.
	my ($sqlstate, $message) = $self->{err} =~ /FATAL:  ([0-9A-Z]{5}): ([^\n]*)/;
	return $sqlstate ? "ERROR $sqlstate $message" : "ERROR ????? $self->{err}";
}

sub send
{
	my ($self, $sql) = @_;
	$self->{in} .= "$sql;\n\\echo __DONE__\n";
	$self->{run}->pump_nb;
	return;
}

sub query
{
	my ($self, $sql) = @_;
	$self->send($sql);
	return $self->read_line;
}

sub close
{
	my ($self) = @_;
	$self->{in} .= "\\q\n";
	eval { $self->{run}->finish; };
	return;
}

1;
