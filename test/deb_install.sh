#!/usr/bin/env bash
# deb_install.sh -- tests the Debian packages (debian/, `make deb`) the way
# a user gets them: installed with apt-get on a clean system.  For each
# PostgreSQL version it
#   1. builds the packages with `make deb`: natively when this machine runs
#      the version's Debian release (15 on Debian 12), else in a throwaway
#      copy of the version's chroot (17 trixie, 18 sid: test/versions.sh;
#      15 the minbase bookworm below, where make deb installs all it needs);
#   2. installs postgresql-NN-pg-autouser and pg-autouser-cli with apt-get
#      in a throwaway copy of a clean system: for 15 a minbase bookworm
#      (debootstrap, cached next to versions.sh's chroots), for 17 and 18
#      versions.sh's trixie and sid chroots;
#   3. there, as postgres, starts a cluster on a loopback port with TLS,
#      `hostssl ... cert` and shared_preload_libraries = 'pg_autouser',
#      creates the extension and a rule, and logs in once with psql and a
#      client certificate of a test CA (openssl): the login provisions the
#      role, current_user is it; a second login goes through the CLI.
# Prints TAP-ish "ok N - ..." lines and ends with "N passed, N failed";
# exits non-zero on any failure.  Needs root.  The packages and the logs
# of each step (build.log, install.log, check.log) stay in build/deb/RELEASE/.
#
#   usage: bash test/deb_install.sh [VERSION...]        (default: 15 17 18)
#
# The copies are overlay mounts over the cached chroots, which are never
# written to, each in a private mount namespace with /proc, /dev, /dev/pts
# and a tmpfs on /dev/shm mounted inside (versions.sh --in-chroot) and
# unmounted by traps on every exit path.  A chroot is used under the same
# lock as versions.sh takes, waited for PG_AUTOUSER_LOCK_WAIT seconds at
# most (default 3600).  Environment as versions.sh: PG_AUTOUSER_CHROOT_CACHE,
# PG_AUTOUSER_MIRROR, REBUILD_CHROOT=1 (also rebuilds the minbase chroot);
# KEEP_WORK=1 keeps the work directory.
set -uo pipefail

me=$(readlink -f "${BASH_SOURCE[0]}")

# --- inside the installed system: the check itself ----------------------
# bash deb_install.sh --check VERSION   (as root, in the chroot; prints
# "ok - ..." / "not ok - ..." lines and "# ..." notes, then "check done")
if [ "${1:-}" = --check ]; then
	ver=$2
	bin=/usr/lib/postgresql/$ver/bin
	dir=$(mktemp -d /tmp/pg_autouser_deb_check.XXXXXX)
	log=$dir/step.log
	chmod 755 "$dir"
	started=
	stop_cluster() {
		[ -n "$started" ] || return 0
		started=
		runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1 || return 0
		runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1
	}
	trap stop_cluster EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM HUP
	bad=0
	# step DESCRIPTION COMMAND...: one line, and the command's output on failure.
	step() {
		local what=$1
		shift
		if "$@" >"$log" 2>&1; then
			echo "ok - $what"
		else
			echo "not ok - $what"
			sed 's/^/#   /' "$log" | tail -n 25
			bad=1
		fi
	}
	export PGCONNECT_TIMEOUT=20
	as_pg() { runuser -u postgres -- "$@"; }
	sql() { as_pg "$bin/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -d postgres "$@"; }
	expect() { # expect WANT COMMAND...: the command prints exactly WANT
		local got
		got=$("${@:2}") || return 1
		[ "$got" = "$1" ] || { echo "expected \"$1\", got \"$got\""; return 1; }
	}

	packages_installed() {
		local p
		for p in "postgresql-$ver-pg-autouser" pg-autouser-cli; do
			dpkg-query -W -f='${Package} ${Version} ${Status}\n' "$p" | tee /dev/stderr |
				grep -q "install ok installed" || return 1
		done
	}
	files_in_place() {
		ls -l "/usr/lib/postgresql/$ver/lib/pg_autouser.so" \
			"/usr/share/postgresql/$ver/extension/pg_autouser.control" \
			"/usr/share/postgresql/$ver/extension/pg_autouser--1.1.sql" /usr/bin/pg_autouser
	}
	make_certs() {
		local c=$dir/certs
		mkdir -p "$c" && cd "$c" || return 1
		openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
			-subj "/CN=pg_autouser deb test CA" -keyout ca.key -out ca.crt || return 1
		# name issued_by_ca NAME SUBJECT [EXTENSIONS]
		issue() {
			openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
				-subj "$2" -keyout "$1.key" -out "$1.csr" || return 1
			printf '%s\n' "${3:-basicConstraints=CA:FALSE}" >"$1.ext"
			openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
				-extfile "$1.ext" -out "$1.crt"
		}
		issue server "/CN=localhost" "subjectAltName=DNS:localhost,IP:127.0.0.1" &&
			issue alice "/CN=alice/OU=eng" || return 1
		chown postgres server.key server.crt ca.crt && chmod 600 server.key alice.key
		openssl verify -CAfile ca.crt server.crt alice.crt
	}
	pick_port() {
		local p i
		for i in $(seq 1 50); do
			p=$((20000 + RANDOM % 25000))
			(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
		done
		return 1
	}
	start_cluster() {
		chown postgres "$dir" || return 1
		as_pg "$bin/initdb" -D "$dir/data" -A peer --no-sync -E UTF8 --locale=C || return 1
		cat >>"$dir/data/postgresql.conf" <<-EOF
			listen_addresses = '127.0.0.1'
			port = $port
			unix_socket_directories = '$dir'
			ssl = on
			ssl_cert_file = '$dir/certs/server.crt'
			ssl_key_file = '$dir/certs/server.key'
			ssl_ca_file = '$dir/certs/ca.crt'
			shared_preload_libraries = 'pg_autouser'
		EOF
		cat >"$dir/data/pg_hba.conf" <<-EOF
			local   all  postgres                peer
			hostssl all  all       127.0.0.1/32  cert
		EOF
		started=1
		as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start || {
			cat "$dir/server.log"
			return 1
		}
	}
	set_up_extension() {
		expect pg_autouser sql -c "SHOW shared_preload_libraries" &&
			sql -c "CREATE ROLE reader NOLOGIN" -c "CREATE EXTENSION pg_autouser" &&
			expect 0 sql -c "SELECT count(*) FROM pg_roles WHERE rolname = 'alice'" &&
			sql -c "SELECT autouser.add_rule('alice', ARRAY['reader'])"
	}
	conninfo() {
		echo "host=127.0.0.1 port=$port dbname=postgres user=alice sslmode=verify-full" \
			"sslrootcert=$dir/certs/ca.crt sslcert=$dir/certs/alice.crt sslkey=$dir/certs/alice.key"
	}
	first_login() {
		expect "alice|t" "$bin/psql" -X -At -d "$(conninfo)" \
			-c "SELECT current_user, pg_has_role('reader', 'member')"
	}
	# wait_for SECONDS WANT COMMAND...: polls until the command prints WANT.
	wait_for() {
		local deadline=$((SECONDS + $1)) got
		while :; do
			got=$("${@:3}") && [ "$got" = "$2" ] && return 0
			[ "$SECONDS" -lt "$deadline" ] || { echo "expected \"$2\" within $1 s, got \"$got\""; return 1; }
			sleep 0.2
		done
	}
	# The event is written by a worker, possibly after the login returned.
	role_provisioned() {
		wait_for 15 "alice|1" sql -c "SELECT r.rolname, (SELECT count(*) FROM autouser.events e
			WHERE e.role = 'alice' AND e.action = 'create') FROM pg_roles r
			JOIN autouser.users u ON u.role = r.rolname WHERE r.rolname = 'alice'"
	}
	cli_login() {
		expect alice pg_autouser connect --cert "$dir/certs/alice.crt" --key "$dir/certs/alice.key" \
			--ca "$dir/certs/ca.crt" --host 127.0.0.1 --port "$port" -d postgres -- -X -At \
			-c "SELECT current_user"
	}

	step "postgresql-$ver-pg-autouser and pg-autouser-cli are installed" packages_installed
	step "the library, the extension's scripts and /usr/bin/pg_autouser are in place" files_in_place
	step "pg_autouser --help runs" pg_autouser --help
	step "a test CA (openssl), a server and a client certificate" make_certs
	cd /
	port=$(pick_port) || port=
	step "a free loopback port ($port)" test -n "$port"
	if [ "$bad" = 0 ]; then
		step "a TLS cluster with hostssl cert and pg_autouser preloaded starts as postgres" start_cluster
	fi
	if [ "$bad" = 0 ]; then
		step "CREATE EXTENSION pg_autouser and a rule for alice (no role alice yet)" set_up_extension
		step "alice's first certificate login (psql): current_user is alice, holding reader" first_login
		step "role alice was created by pg_autouser (a managed user, a create event)" role_provisioned
		step "alice logs in again through pg_autouser connect (the CLI package)" cli_login
		step "the cluster stops" as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop
		[ "$bad" = 0 ] || { echo "# server log:"; tail -n 30 "$dir/server.log" | sed 's/^/#   /'; }
	fi
	echo "check done"
	exit "$bad"
fi

# The chroot functions (in_chroot, build_chroot, bootstrap_chroot, ...):
# one copy of them, in versions.sh.
top=$(cd "$(dirname "$me")/.." && pwd)
# shellcheck source=test/versions.sh
source "$top/test/versions.sh" --functions

# --- a throwaway copy: an overlay over a cached chroot -------------------
# bash deb_install.sh --in-overlay LOWER WORK COMMAND...  (in a private mount
# namespace): mounts LOWER with WORK/upper as the writable layer on
# WORK/root, runs COMMAND in that chroot (versions.sh's mounts), ends what
# it left running there, and unmounts.
if [ "${1:-}" = --in-overlay ]; then
	lower=$2
	work=$3
	shift 3
	root=$work/root
	overlay_up=
	# Processes whose root is this copy are ours (a server a failed check
	# left behind): end them by pid before the copy goes away.
	end_leftovers() {
		local p pids=()
		for p in /proc/[0-9]*; do
			[ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && pids+=("${p#/proc/}")
		done
		[ ${#pids[@]} -gt 0 ] || return 0
		echo "# ending processes left in the chroot: ${pids[*]}"
		kill -KILL "${pids[@]}" 2>/dev/null
		for _ in $(seq 1 100); do
			kill -0 "${pids[@]}" 2>/dev/null || return 0
			sleep 0.1
		done
	}
	leave() {
		[ -n "$overlay_up" ] || return 0
		end_leftovers
		umount "$root" 2>/dev/null || umount -l "$root"
		overlay_up=
	}
	trap leave EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM HUP
	mount -t overlay overlay -o "lowerdir=$lower,upperdir=$work/upper,workdir=$work/work" "$root" ||
		exit 1
	overlay_up=1
	in_chroot "$root" "$@"
	exit $?
fi

# --- the driver ------------------------------------------------------------
[ "$(id -u)" = 0 ] || { echo "deb_install.sh: must run as root (debootstrap, mount, chroot)" >&2; echo "0 passed, 1 failed"; exit 1; }

lock_wait=${PG_AUTOUSER_LOCK_WAIT:-3600}
mirror=${PG_AUTOUSER_MIRROR:-$(host_mirror)}
work=$(mktemp -d /var/tmp/pg_autouser_deb.XXXXXX)
chmod 755 "$work"
cleanup() {
	if [ -n "${KEEP_WORK:-}" ]; then
		echo "# work dir: $work"
	else
		safe_remove "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

n=0
passed=0
failed=0
ok() { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }

codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")

# Takes the lock of a cached chroot (the one versions.sh takes) on fd
# lock_fd, waiting lock_wait seconds at most.
lock_fd=
take_lock() {
	exec {lock_fd}>"$1"
	flock -n "$lock_fd" && return 0
	echo "# waiting for $1 (another run uses that chroot; ${lock_wait} s at most)"
	flock -w "$lock_wait" "$lock_fd"
}
drop_lock() {
	[ -n "$lock_fd" ] && exec {lock_fd}>&-
	lock_fd=
}

# The Debian security archive this machine uses, for the bookworm chroot.
security_mirror() {
	local uri
	uri=$(grep -rhE '^[^#]*debian-security' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null |
		grep -oE 'https?://[^ ]*debian-security[^ ]*' | head -n 1)
	echo "${uri:-http://deb.debian.org/debian-security}"
}

# A clean minbase chroot of rel, cached in $cache/minbase-REL (built under
# its lock, which the caller holds).  Stable releases get their updates and
# security suites, as an installed system has them: packages built on an
# up-to-date Debian 12 depend on its PostgreSQL minor version
# (pg_buildext: postgresql-15 (>> 15.N)), which only those suites carry.
ensure_minbase() {
	local rel=$1 dir=$2 new="$2.new" start=$SECONDS
	if [ -z "${REBUILD_CHROOT:-}" ] && [ -f "$dir/$stamp" ] && chroot "$dir" /bin/true 2>/dev/null; then
		return 0
	fi
	echo "# building the minbase $rel chroot in $dir (mirror $mirror)"
	safe_remove "$dir" || return 1
	bootstrap_chroot "$rel" "$new" || return 1
	if [ "$rel" != sid ]; then
		{
			echo "deb $mirror $rel-updates main"
			echo "deb $(security_mirror) $rel-security main"
		} >>"$new/etc/apt/sources.list"
	fi
	echo "minbase Debian $rel, built $(date -u +%FT%TZ) from $mirror" >"$new/$stamp"
	mv "$new" "$dir"
	echo "# minbase chroot ready in $((SECONDS - start)) s"
}

# A fresh throwaway copy of lower: prints its work directory.
new_copy() {
	local w
	w=$(mktemp -d "$work/copy.XXXXXX") || return 1
	mkdir -p "$w/upper" "$w/work" "$w/root"
	echo "$w"
}
in_copy() { # in_copy COPY LOWER COMMAND...
	local w=$1 lower=$2
	shift 2
	unshare --mount --propagation private -- bash "$me" --in-overlay "$lower" "$w" \
		/usr/bin/env -i PATH="/usr/lib/postgresql/$ver/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
		HOME=/root LANG=C.UTF-8 TERM=dumb DEBIAN_FRONTEND=noninteractive "$@"
}

# Builds the packages for ver into out; sets how to where it built them.
build_debs() {
	local rel=$1 base=$2 out=$3 log=$3/build.log w
	if [ "$codename" = "$rel" ]; then
		how=natively
		make -C "$top" deb DEB_DIR="$out" PG_VERSIONS="$ver" >"$log" 2>&1 || { tail -n 40 "$log" | sed 's/^/#   /'; return 1; }
	else
		how="in a copy of $base"
		w=$(new_copy) || return 1
		mkdir -p "$w/upper/pg_autouser_deb"
		copy_tree "$w/upper/pg_autouser_deb/src" || return 1
		# make itself is all make deb needs beforehand (a minbase has none).
		in_copy "$w" "$base" bash -c 'command -v make >/dev/null ||
			{ apt-get update -qq && apt-get install -y -qq make >/dev/null; } &&
			make -C /pg_autouser_deb/src deb DEB_DIR=/pg_autouser_deb/debs PG_VERSIONS="$0"' "$ver" \
			>"$log" 2>&1 || { tail -n 40 "$log" | sed 's/^/#   /'; return 1; }
		cp "$w/upper/pg_autouser_deb/debs/"*.deb "$out/" || return 1
		safe_remove "$w"
	fi
	ls "$out/postgresql-$ver-pg-autouser_"*.deb "$out/pg-autouser-cli_"*.deb >/dev/null
}

run_version() {
	local rel base install_base out w start=$SECONDS t line finished=
	ver=$1
	rel=$(release_for "$ver") || { not_ok "PostgreSQL $ver: no Debian release to test it on"; return; }
	echo "# PostgreSQL $ver (Debian $rel)"
	# The packages and the logs of each step stay here.
	out="$top/build/deb/$rel"
	rm -rf "$out"
	mkdir -p "$out"
	if [ "$ver" = 15 ]; then
		# Installed on a clean system (and built there too, off Debian 12).
		install_base="$cache/minbase-$rel"
		take_lock "$cache/minbase-$rel.lock" || { not_ok "$ver: the minbase $rel chroot stayed busy"; return; }
		ensure_minbase "$rel" "$install_base" ||
			{ not_ok "$ver: a minbase $rel chroot (debootstrap)"; drop_lock; return; }
		base=$install_base
	else
		base="$cache/chroot-$rel"
		take_lock "$cache/chroot-$rel.lock" || { not_ok "$ver: the $rel chroot stayed busy"; return; }
		if [ -n "${REBUILD_CHROOT:-}" ] || ! chroot_usable "$base" "$ver"; then
			build_chroot "$ver" "$rel" "$base" || { not_ok "$ver: the $rel chroot (versions.sh)"; drop_lock; return; }
		fi
		install_base=$base
	fi

	t=$SECONDS
	if build_debs "$rel" "$base" "$out"; then
		ok "$ver: make deb built postgresql-$ver-pg-autouser and pg-autouser-cli $how ($((SECONDS - t)) s)"
	else
		not_ok "$ver: make deb ($how)"
		drop_lock
		return
	fi

	# The install: a fresh copy of the clean system, the packages in a
	# directory of their own (world-readable, for apt's sandbox user).
	w=$(new_copy) || { not_ok "$ver: a copy of $install_base"; drop_lock; return; }
	mkdir -p "$w/upper/pg_autouser_deb/debs"
	cp "$out/postgresql-$ver-pg-autouser_"*.deb "$out/pg-autouser-cli_"*.deb "$w/upper/pg_autouser_deb/debs/"
	cp "$me" "$w/upper/pg_autouser_deb/deb_install.sh"
	chmod -R a+rX "$w/upper/pg_autouser_deb"
	t=$SECONDS
	# openssl is the test's own tool (the test CA), not a dependency.
	if in_copy "$w" "$install_base" bash -c "apt-get update -qq &&
		apt-get install -y -qq /pg_autouser_deb/debs/*.deb openssl" >"$out/install.log" 2>&1; then
		ok "$ver: apt-get installed the packages and their dependencies on a clean $rel ($((SECONDS - t)) s)"
		# In the foreground, so that a signal lets it end (and unmount)
		# before this script removes its work directory.
		in_copy "$w" "$install_base" bash /pg_autouser_deb/deb_install.sh --check "$ver" \
			>"$out/check.log" 2>&1
		while IFS= read -r line; do
			case $line in
				"ok - "*) ok "$ver: ${line#ok - }" ;;
				"not ok - "*) not_ok "$ver: ${line#not ok - }" ;;
				"check done") finished=1 ;;
				*) echo "$line" ;;
			esac
		done <"$out/check.log"
		[ -n "$finished" ] || not_ok "$ver: the check in the chroot did not finish"
	else
		tail -n 40 "$out/install.log" | sed 's/^/#   /'
		not_ok "$ver: apt-get install of the packages on a clean $rel"
	fi
	safe_remove "$w"
	drop_lock
	echo "# PostgreSQL $ver: $((SECONDS - start)) s"
}

versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(15 17 18)
all_start=$SECONDS
for v in "${versions[@]}"; do
	run_version "$v"
done
echo "# Debian packages tested in $((SECONDS - all_start)) s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
