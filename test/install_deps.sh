#!/usr/bin/env bash
# install_deps.sh -- installs the Debian 12 packages that building and
# testing pg_autouser needs, when they are missing.  Needs root to install.
set -euo pipefail

packages=(build-essential cmake pkg-config postgresql-15 postgresql-server-dev-15
	libkrb5-dev libssl-dev libpq-dev libgtest-dev libipc-run-perl openssl python3-psycopg
	# test/tools/mkcert.py: certificates with any subject, for the attack tests
	python3-cryptography
	clang-format
	# 012_cli_jdbc.pl: pgjdbc and a JDK to run it; a pty for the password prompt
	libpostgresql-jdbc-java default-jdk-headless libio-pty-perl
	# The Patroni failover test (test/t/040_patroni_failover.pl): Debian 12
	# ships Patroni 3.0.2 and etcd 3.4.23; the test talks to etcd's v3 API.
	patroni etcd-server)
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
