#!/usr/bin/env bash
# versions.sh -- runs the whole test suite (`make test`) against the other
# PostgreSQL versions (SPEC 11), each inside a minimal Debian chroot of the
# release that packages it: 17 in trixie, 18 in sid (15 in bookworm, to
# compare with a native run).  Prints every run's output and ends with one
# line "N passed, N failed" summing all versions; exits non-zero on any
# failure.  Needs root.
#
#   usage: bash test/versions.sh [VERSION...]          (default: 17 18)
#
# The chroots are built once per machine (debootstrap, then the packages
# test/install_deps.sh asks for) and reused; one that is missing or broken
# is rebuilt.  Each run copies the tracked files of this checkout (as they
# are in the working tree; untracked files and build output are left out)
# to /build/pg_autouser inside.  Environment:
#   PG_AUTOUSER_CHROOT_CACHE  where chroots live (/var/cache/pg_autouser)
#   PG_AUTOUSER_MIRROR        Debian mirror (default: the one this host's
#                             apt sources use, else deb.debian.org)
#   REBUILD_CHROOT=1          rebuild the chroots before running
#   SUITES="unit tap"         run only these suites of test/run_all.sh
#   TAP_ONLY, PROVE_FLAGS, KEEP_WORK   passed through to test/run_all.sh
#
# Mounts (/proc, /dev, /dev/pts, a tmpfs on /dev/shm) are made in a private
# mount namespace and unmounted by a trap on every exit path; the namespace
# going away takes any that were left with it, so nothing can stay mounted
# under the cache, where a later rebuild deletes files.
#
# `source test/versions.sh --functions` defines the functions and runs
# nothing (test/deb_install.sh builds and enters chroots with them).
set -uo pipefail

self=$(readlink -f "${BASH_SOURCE[0]}")
top=$(cd "$(dirname "$self")/.." && pwd)
cache=${PG_AUTOUSER_CHROOT_CACHE:-/var/cache/pg_autouser}
stamp=.pg_autouser-chroot		# written last: the chroot is complete

# --- inner mode: mount, chroot, run, unmount ---------------------------
# bash versions.sh --in-chroot ROOT COMMAND...  (in the private namespace)
if [ "${1:-}" = --in-chroot ]; then
	root=$2
	shift 2
	mounted=()
	unmount_all() {
		local i
		for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
			umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}"
		done
		mounted=()
	}
	trap unmount_all EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM HUP
	mnt() {
		mount "$@" || exit 1
		mounted+=("${*: -1}")
	}
	mnt -t proc proc "$root/proc"
	mnt --bind /dev "$root/dev"
	mnt --bind /dev/pts "$root/dev/pts"
	mnt -t tmpfs -o mode=1777,nosuid,nodev shm "$root/dev/shm"
	chroot "$root" "$@"
	exit $?
fi

die() {
	echo "versions.sh: $*" >&2
	echo "0 passed, 1 failed"
	exit 1
}

# Runs COMMAND inside chroot ROOT with the mounts it needs.
in_chroot() {
	local root=$1
	shift
	if [ -z "${use_unshare:-}" ]; then
		use_unshare=no
		unshare --mount --propagation private true 2>/dev/null && use_unshare=yes
	fi
	if [ "$use_unshare" = yes ]; then
		unshare --mount --propagation private -- bash "$self" --in-chroot "$root" "$@"
	else
		bash "$self" --in-chroot "$root" "$@"
	fi
}

release_for() {
	case $1 in
		15) echo bookworm ;;
		17) echo trixie ;;
		18) echo sid ;;
		16) echo "PostgreSQL 16 has no Debian release (SPEC 11): it is compiled, not tested" >&2
			return 1 ;;
		*) echo "no Debian release packages PostgreSQL $1" >&2
			return 1 ;;
	esac
}

# The Debian mirror this host's apt uses (deb822 .sources or sources.list).
host_mirror() {
	local uri
	uri=$(awk '
		function flush() {
			if (uri != "" && enabled && suites ~ /(^| )(bookworm|bullseye|trixie|forky|sid|stable|testing|unstable|oldstable)( |$)/ && out == "")
				out = uri
			uri = ""; suites = ""; enabled = 1
		}
		BEGIN { enabled = 1 }
		/^[ \t]*$/ { flush(); next }
		tolower($1) == "uris:" { uri = $2 }
		tolower($1) == "suites:" { $1 = ""; suites = $0; sub(/^ +/, "", suites) }
		tolower($1) == "enabled:" { enabled = (tolower($2) != "no") }
		END { flush(); print out }' /etc/apt/sources.list.d/*.sources 2>/dev/null)
	if [ -z "$uri" ]; then
		uri=$(sed -n 's/^[ \t]*deb[ \t]\+\(\[[^]]*\][ \t]\+\)\?\([a-z]\+:[^ \t]*\)[ \t]\+\(bookworm\|bullseye\|trixie\|forky\|sid\|stable\|testing\|unstable\)[ \t].*/\2/p' \
			/etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -n 1)
	fi
	echo "${uri:-http://deb.debian.org/debian}"
}

# No mount may remain under dir before anything in it is deleted: a stray
# bind of /dev would let rm reach the host's device nodes.
safe_remove() {
	local dir=$1 m
	[ -e "$dir" ] || return 0
	for m in $(findmnt -rn -o TARGET | grep -F "$dir/" | sort -r); do
		umount "$m" 2>/dev/null || umount -l "$m"
	done
	if findmnt -rn -o TARGET | grep -qF "$dir/"; then
		echo "versions.sh: $dir still has mounts; not deleting it" >&2
		return 1
	fi
	rm -rf --one-file-system "$dir"
}

chroot_usable() {
	local dir=$1 ver=$2
	[ -f "$dir/$stamp" ] && [ -x "$dir/usr/lib/postgresql/$ver/bin/pg_config" ] &&
		[ -d "$dir/usr/lib/postgresql/$ver/lib/pgxs/src/test/perl" ] &&
		chroot "$dir" /bin/true 2>/dev/null
}

ensure_debootstrap() {
	command -v debootstrap >/dev/null && return 0
	echo "== installing debootstrap"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq --no-install-recommends debootstrap >/dev/null 2>&1 || {
		apt-get update -qq && apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
	}
}

# Builds the chroot for ver from scratch into dir (atomically: dir.new,
# renamed when complete).
build_chroot() {
	local ver=$1 rel=$2 dir=$3
	local new="$dir.new" start=$SECONDS
	echo "== building the $rel chroot for PostgreSQL $ver in $dir (mirror $mirror)"
	safe_remove "$dir" || return 1
	bootstrap_chroot "$rel" "$new" || return 1
	# One source of truth for the package list: the project's own script.
	cp "$top/test/install_deps.sh" "$new/tmp/install_deps.sh"
	if ! in_chroot "$new" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		LANG=C.UTF-8 PG_MAJOR="$ver" UCF_FORCE_CONFFOLD=1 DEBIAN_FRONTEND=noninteractive \
		bash /tmp/install_deps.sh; then
		echo "versions.sh: installing the packages in the $rel chroot failed" >&2
		return 1
	fi
	in_chroot "$new" apt-get clean
	rm -f "$new/tmp/install_deps.sh"
	echo "PostgreSQL $ver, Debian $rel, built $(date -u +%FT%TZ) from $mirror" >"$new/$stamp"
	mv "$new" "$dir"
	echo "== chroot ready in $((SECONDS - start)) s"
}

# Debootstraps a minimal (minbase) Debian rel into new, set up to be used
# as a chroot: apt, no services started, no packaged cluster, localhost.
bootstrap_chroot() {
	local rel=$1 new=$2
	ensure_debootstrap || return 1
	safe_remove "$new" || return 1
	mkdir -p "$cache"
	# debootstrap mounts /proc and /sys in the target while it works: in a
	# private namespace, an interrupted run cannot leave them mounted.
	local private=()
	unshare --mount --propagation private true 2>/dev/null && private=(unshare --mount --propagation private --)
	if ! "${private[@]}" debootstrap --variant=minbase "$rel" "$new" "$mirror" >"$cache/debootstrap-$rel.log" 2>&1; then
		tail -n 20 "$cache/debootstrap-$rel.log"
		[ -f "$new/debootstrap/debootstrap.log" ] && tail -n 20 "$new/debootstrap/debootstrap.log"
		return 1
	fi
	# sid's index is often past its Valid-Until on a mirror snapshot.
	cat >"$new/etc/apt/apt.conf.d/90pg-autouser" <<-EOF
		Acquire::Check-Valid-Until "false";
		Acquire::Retries "3";
		APT::Install-Recommends "false";
		Dpkg::Options { "--force-confold"; "--force-confdef"; };
	EOF
	echo "deb $mirror $rel main" >"$new/etc/apt/sources.list"
	# Packages must not start services inside the chroot.
	printf '#!/bin/sh\nexit 101\n' >"$new/usr/sbin/policy-rc.d"
	chmod 755 "$new/usr/sbin/policy-rc.d"
	# The tests make their own clusters; skip the packaged "main" one.
	mkdir -p "$new/etc/postgresql-common"
	echo "create_main_cluster = false" >"$new/etc/postgresql-common/createcluster.conf"
	grep -q localhost "$new/etc/hosts" 2>/dev/null ||
		printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >>"$new/etc/hosts"
	return 0
}

# Copies the tracked files of this checkout into the chroot.
copy_tree() {
	local dest=$1
	safe_remove "$dest" || return 1
	mkdir -p "$dest"
	if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		(cd "$top" && git ls-files -z | tar --null --ignore-failed-read -T - -cf - 2>/dev/null) |
			tar -C "$dest" -xf -
	else
		(cd "$top" && tar --exclude=./build --exclude=./.git --exclude=./tmp_check \
			--exclude='*.o' --exclude='*.so' -cf - .) | tar -C "$dest" -xf -
	fi
}

[ "${1:-}" = --functions ] && return 0

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, mount, chroot)"

total_passed=0
total_failed=0

run_version() {
	local ver=$1 rel dir lock start log summary p f
	rel=$(release_for "$ver") || { total_failed=$((total_failed + 1)); return; }
	dir="$cache/chroot-$rel"
	mkdir -p "$cache"
	# One user of a chroot at a time: runs on this machine queue here.
	exec {lock}>"$cache/chroot-$rel.lock"
	flock "$lock"
	start=$SECONDS
	if [ -n "${REBUILD_CHROOT:-}" ] || ! chroot_usable "$dir" "$ver"; then
		if ! build_chroot "$ver" "$rel" "$dir"; then
			echo "== PostgreSQL $ver: the $rel chroot could not be built"
			total_failed=$((total_failed + 1))
			exec {lock}>&-
			return
		fi
	fi
	echo "== PostgreSQL $ver in $dir ($(cat "$dir/$stamp"))"
	copy_tree "$dir/build/pg_autouser" || { total_failed=$((total_failed + 1)); exec {lock}>&-; return; }
	log="$cache/last-run-$ver.log"
	local cmd="make test"
	[ -n "${SUITES:-}" ] && cmd="bash test/run_all.sh $SUITES"
	in_chroot "$dir" /usr/bin/env -i \
		PATH="/usr/lib/postgresql/$ver/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
		HOME=/root LANG=C.UTF-8 TERM=dumb PG_MAJOR="$ver" DEBIAN_FRONTEND=noninteractive \
		${TAP_ONLY:+TAP_ONLY="$TAP_ONLY"} ${PROVE_FLAGS:+PROVE_FLAGS="$PROVE_FLAGS"} \
		${KEEP_WORK:+KEEP_WORK="$KEEP_WORK"} \
		bash -c "cd /build/pg_autouser && $cmd" 2>&1 | tee "$log"
	exec {lock}>&-
	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
	if [ -z "$summary" ]; then
		echo "== PostgreSQL $ver: no summary line (the run did not finish)"
		total_failed=$((total_failed + 1))
		return
	fi
	p=${summary%% passed*}
	f=${summary#*passed, }
	f=${f%% failed}
	total_passed=$((total_passed + p))
	total_failed=$((total_failed + f))
	echo "== PostgreSQL $ver ($rel): $summary in $((SECONDS - start)) s"
}

versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(17 18)
mirror=${PG_AUTOUSER_MIRROR:-$(host_mirror)}

for v in "${versions[@]}"; do
	run_version "$v"
done

echo "$total_passed passed, $total_failed failed"
[ "$total_failed" = 0 ]
