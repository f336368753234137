#!/usr/bin/env bash
# demo.sh -- `make demo`: shows pg_autouser end to end on a throwaway TLS
# cluster: a first certificate login creating a role, NOLOGIN after the
# disconnect, reactivation, OU templates, an unmanaged role refused, a
# revoked certificate ending a live session, and the users view and events.  Installs what is missing, builds, installs, and
# removes the cluster again even on failure.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

if [ "$(id -u)" = 0 ]; then
	bash "$top/test/install_deps.sh"
	say "building and installing pg_autouser"
	make -C "$top" -s CMAKE_FLAGS=-DPG_AUTOUSER_TESTS=OFF >/dev/null
	make -C "$top" -s install >/dev/null
	RUN_AS=(runuser -u postgres --)
else
	RUN_AS=()
fi
BIN=$(pg_config --bindir)

dir=$(mktemp -d /tmp/pg_autouser_demo.XXXXXX)
chmod 755 "$dir"
[ "$(id -u)" = 0 ] && chown postgres "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_db() { "${RUN_AS[@]}" env PATH="$BIN:$PATH" PGHOST="$dir" PGPORT="$port" "$@"; }
stop() {
	as_db pg_ctl -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
	rm -rf "$dir"
}
trap stop EXIT

sql() { as_db psql -X -q -d postgres -v ON_ERROR_STOP=1 "$@"; }
login() { # login CERT-NAME SQL...
	local name=$1; shift
	as_db pg_autouser connect --cert "$dir/certs/$name.crt" --key "$dir/certs/$name.key" \
		--ca "$dir/ca/ca.crt" --host localhost --port "$port" -- -X -q "$@"
}

say "a throwaway cluster in $dir, port $port, set up by the CLI"
as_db initdb -D "$dir/data" -A trust >/dev/null
as_db pg_autouser ca init --dir "$dir/ca"
as_db pg_autouser server setup --pgdata "$dir/data" --ca "$dir/ca" --hostname localhost --crl
cat >>"$dir/data/postgresql.conf" <<CONF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
CONF
as_db pg_ctl -D "$dir/data" -l "$dir/server.log" -w start >/dev/null

say "the extension, three roles, an unmanaged bob, and two rules (one an OU template)"
sql <<'SQL'
CREATE EXTENSION pg_autouser;
CREATE ROLE reader NOLOGIN;
CREATE ROLE team_eng NOLOGIN;
CREATE ROLE team_ops NOLOGIN;
CREATE ROLE bob LOGIN;
GRANT pg_read_all_data TO reader;
SELECT autouser.add_rule('*', ARRAY['reader'], comment => 'everyone reads');
SELECT autouser.add_rule('*', ARRAY['team_{{cert.OU}}'], comment => 'one role per OU');
SELECT id, identity, database, cert_ou, roles, comment FROM autouser.rules ORDER BY id;
SQL

say "certificates for alice (OU eng), carol (OU eng and ops) and bob"
mkdir -p "$dir/certs" && [ "$(id -u)" = 0 ] && chown postgres "$dir/certs"
as_db pg_autouser cert issue --ca "$dir/ca" --cn alice --ou eng --o Acme --out "$dir/certs" >/dev/null
as_db pg_autouser cert issue --ca "$dir/ca" --cn carol --ou eng --ou ops --out "$dir/certs" >/dev/null
as_db pg_autouser cert issue --ca "$dir/ca" --cn bob --out "$dir/certs" >/dev/null
ls "$dir/certs"

say "1. alice's very first login: the role is created before authentication finishes"
login alice -c "SELECT current_user, pg_has_role('reader', 'MEMBER') AS reader,
  pg_has_role('team_eng', 'MEMBER') AS team_eng, pg_has_role('team_ops', 'MEMBER') AS team_ops"

say "2. after she disconnects the cleanup worker strips her roles and sets NOLOGIN"
for _ in $(seq 50); do
	[ "$(sql -At -c "SELECT rolcanlogin FROM pg_roles WHERE rolname = 'alice'")" = f ] && break
	sleep 0.1
done
sql -c "SELECT role, state, sessions, roles FROM autouser.users ORDER BY role"

say "3. she connects again: reactivated with the current rules"
login alice -c "SELECT current_user, pg_has_role('reader', 'MEMBER') AS reader"

say "4. carol has two OUs: the template gives one role per OU"
login carol -c "SELECT current_user, pg_has_role('team_eng', 'MEMBER') AS team_eng, pg_has_role('team_ops', 'MEMBER') AS team_ops"

say "5. bob exists and is not managed by pg_autouser: refused, nothing changes"
login bob -c "SELECT 1" || echo "(refused, as expected)"

say "6. carol keeps a session open; the CA revokes her certificate; a reload ends the session"
login carol -c "SELECT pg_sleep(30)" >"$dir/carol.out" 2>&1 &
held=$!
for _ in $(seq 100); do
	[ "$(sql -At -c "SELECT count(*) FROM autouser.sessions WHERE role = 'carol'")" = 1 ] && break
	sleep 0.1
done
sql -c "SELECT pid, role, database, cert_serial, cert_not_after FROM autouser.sessions"
as_db pg_autouser cert revoke --ca "$dir/ca" --cert "$dir/certs/carol.crt"
as_db pg_autouser server setup --pgdata "$dir/data" --ca "$dir/ca" --hostname localhost --crl >/dev/null
as_db pg_ctl -D "$dir/data" reload >/dev/null
for _ in $(seq 100); do kill -0 "$held" 2>/dev/null || break; sleep 0.1; done
wait "$held" || true
echo "carol's held session said:"; sed 's/^/    /' "$dir/carol.out"
echo "and her next login is refused at the TLS handshake:"
login carol -c "SELECT 1" 2>&1 | sed 's/^/    /' || true

say "what an administrator sees: autouser.users and autouser.events"
for _ in $(seq 50); do
	[ "$(sql -At -c "SELECT count(*) FROM autouser.events WHERE action = 'reject'")" -ge 1 ] && break
	sleep 0.1
done
sql -c "SELECT role, state, sessions, roles, cert_serial FROM autouser.users ORDER BY role"
sql -c "SELECT action, coalesce(role, identity) AS who, roles, detail FROM autouser.events ORDER BY id"
sql -c "SELECT name, value FROM autouser.stats WHERE value <> 0 ORDER BY name"

say "done; the cluster is stopped and removed"
