#!/usr/bin/env bash
# make_deb.sh -- `make deb`: builds the Debian packages of debian/ on this
# machine: postgresql-NN-pg-autouser for each PostgreSQL version whose
# server headers are installed (pg_buildext's "installed" versions; at
# least the release's own, which postgresql-server-dev-all pulls in --
# bookworm 15, trixie 17, sid 18) that debian/pgversions allows, and
# pg-autouser-cli.  Installs what the build needs with apt-get first (as
# root, like test/install_deps.sh), builds in a copy of the tree, and
# leaves the .deb files (with .changes and .buildinfo) in OUT_DIR.
#
#   usage: bash debian/make_deb.sh [OUT_DIR]        (default: build/deb)
#
# Environment:
#   PG_VERSIONS="15 17"   build for exactly these versions instead (their
#                         postgresql-server-dev-NN is installed if missing)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-build/deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)
export DEBIAN_FRONTEND=noninteractive

die() {
	echo "make_deb.sh: $*" >&2
	exit 1
}

apt_updated=
apt_install() {
	[ "$(id -u)" = 0 ] || die "missing: $* (run as root to install them)"
	echo "installing: $*"
	[ -n "$apt_updated" ] || { apt-get update -qq && apt_updated=1; }
	apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# The tools that read debian/ itself.  postgresql-server-dev-all brings
# pg_buildext and the release's own postgresql-server-dev-NN.
missing=()
for p in dpkg-dev debhelper postgresql-server-dev-all; do
	installed "$p" || missing+=("$p")
done
read -r -a versions <<<"${PG_VERSIONS:-}"
for v in "${versions[@]}"; do
	[[ $v =~ ^[0-9]+$ ]] || die "PG_VERSIONS must list major versions, not \"$v\""
	installed "postgresql-server-dev-$v" || missing+=("postgresql-server-dev-$v")
done
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

# pg_buildext builds for debian/pgversions intersected with these.
if [ ${#versions[@]} -gt 0 ]; then
	export PG_SUPPORTED_VERSIONS="${versions[*]}"
else
	export PG_SUPPORTED_VERSIONS=installed
fi

# Build in a copy, so that the checkout keeps its debian/control and gets
# no build-NN directories: the files of the checkout less what .gitignore
# leaves out (without git: less the build output).
version=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
work="$out/.pg-autouser-src"
src="$work/pg-autouser-${version%-*}"
rm -rf "$work"
mkdir -p "$src"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z --cached --others --exclude-standard |
		tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -C "$src" -xf -
else
	(cd "$top" && tar --exclude=./build --exclude=./.git --exclude=./tmp_check \
		--exclude=./tmp_check_iso --exclude=./tmp_isolation_tls \
		--exclude='*.o' --exclude='*.so' --exclude='*.bc' -cf - .) | tar -C "$src" -xf -
fi

cd "$src"
# debian/control lists one package per PostgreSQL version: the versions of
# this machine, not those of the checkout's copy.
pg_buildext updatecontrol
pkgs=$(sed -n 's/^Package: //p' debian/control | tr '\n' ' ')
echo "== building ${pkgs}(PostgreSQL $(pg_buildext supported-versions | tr '\n' ' ' | sed 's/ $//'))"
if ! dpkg-checkbuilddeps >/dev/null 2>&1; then
	[ "$(id -u)" = 0 ] || { dpkg-checkbuilddeps || true; die "build dependencies missing (run as root to install them)"; }
	echo "installing the build dependencies of debian/control"
	[ -n "$apt_updated" ] || { apt-get update -qq && apt_updated=1; }
	apt-get build-dep -y -qq --no-install-recommends "$src" >/dev/null
fi

dpkg-buildpackage -b -us -uc -J"$(nproc)"

# Replace this source's earlier packages only: OUT_DIR may hold others.
cd "$out"
rm -f pg-autouser_* pg-autouser-cli_* pg-autouser-cli-dbgsym_* postgresql-*-pg-autouser_* \
	postgresql-*-pg-autouser-dbgsym_*
mv "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo .
rm -rf "$work"
echo "== packages in $out:"
ls -1 pg-autouser*.deb postgresql-*-pg-autouser*.deb | sed 's/^/   /'
