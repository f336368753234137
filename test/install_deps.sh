#!/usr/bin/env bash
# install_deps.sh -- installs the Debian packages that building and testing
# pg_autouser needs, when they are missing.  Needs root to install.
#
# PostgreSQL major version: $PG_MAJOR if set; else the one whose pg_config is
# first on PATH, if its server headers are installed; else the one the Debian
# release packages (bookworm 15, trixie 17, sid 18 -- read from apt).  On
# Debian 12 that is 15, as before; test/versions.sh sets it for its chroots.
set -euo pipefail

pg_major() {
	local v codename
	if command -v pg_config >/dev/null 2>&1 && [ -f "$(pg_config --pgxs 2>/dev/null)" ]; then
		v=$(pg_config --version 2>/dev/null | sed -n 's/^PostgreSQL \([0-9]\+\).*/\1/p')
		[ -n "$v" ] && { echo "$v"; return; }
	fi
	codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
	case $codename in
		bookworm) echo 15; return ;;
		trixie) echo 17; return ;;
	esac
	# sid (and later releases): the version the "postgresql" package pulls in.
	v=$(apt-cache show postgresql 2>/dev/null | sed -n 's/^Depends:.*postgresql-\([0-9]\+\).*/\1/p' | sort -n | tail -n 1)
	echo "${v:-15}"
}

PG_MAJOR=${PG_MAJOR:-$(pg_major)}
case $PG_MAJOR in
	'' | *[!0-9]*) echo "PG_MAJOR must be a major version number, not \"$PG_MAJOR\"" >&2; exit 2 ;;
esac

packages=(build-essential cmake pkg-config postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR
	libkrb5-dev libssl-dev libpq-dev libgtest-dev libipc-run-perl openssl python3-psycopg
	# test/tools/mkcert.py: certificates with any subject, for the attack tests
	python3-cryptography
	clang-format
	# 012_cli_jdbc.pl: pgjdbc and a JDK to run it; a pty for the password prompt
	libpostgresql-jdbc-java default-jdk-headless libio-pty-perl
	# The Patroni failover test (test/t/040_patroni_failover.pl): Debian 12
	# ships Patroni 3.0.2 and etcd 3.4.23; the test talks to etcd's v3 API.
	patroni etcd-server
	# Patroni's etcd DCS; trixie and sid no longer pull it in with patroni.
	python3-etcd)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "missing packages: ${missing[*]} (run as root to install them)" >&2
	exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Where services start on install (systemd), etcd-server starts a system etcd
# on localhost:2379; the tests start their own on free ports and never use it.
if [[ " ${missing[*]} " == *" etcd-server "* ]] && [ -d /run/systemd/system ]; then
	systemctl disable --now etcd.service >/dev/null 2>&1 || true
fi
