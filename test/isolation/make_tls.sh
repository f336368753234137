#!/usr/bin/env bash
# make_tls.sh DIR -- certificates and settings for the isolation instance, so
# that specs can log in by certificate for real (through dblink, from inside
# a step): a CA, a server certificate for 127.0.0.1, client certificates for
# the identities the specs use, an hba file (certificate logins for those
# identities, trust for the isolation tester's own connections), and
# DIR/tls.conf, a --temp-config that points the server at all of it and
# tells the specs where the client files are (regress.tls_dir).
set -euo pipefail

dir=$(mkdir -p "$1" && cd "$1" && pwd)
identities=(regress_iso_alice regress_iso_carol)

key() { openssl ecparam -name prime256v1 -genkey -noout -out "$1" 2>/dev/null && chmod 600 "$1"; }
sign() { # sign NAME SUBJECT [extfile]
	openssl req -new -key "$dir/$1.key" -subj "$2" -out "$dir/$1.csr"
	openssl x509 -req -in "$dir/$1.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
		-CAcreateserial -days 2 -out "$dir/$1.crt" ${3:+-extfile "$3"} 2>/dev/null
	rm -f "$dir/$1.csr"
}

key "$dir/ca.key"
openssl req -x509 -new -key "$dir/ca.key" -days 2 -subj "/CN=pg_autouser isolation CA" \
	-out "$dir/ca.crt"
key "$dir/server.key"
printf 'subjectAltName = IP:127.0.0.1, DNS:localhost\n' >"$dir/server.ext"
sign server "/CN=localhost" "$dir/server.ext"
for id in "${identities[@]}"; do
	key "$dir/$id.key"
	sign "$id" "/O=Acme/OU=eng/CN=$id"
done

users=$(IFS=,; echo "${identities[*]}")
cat >"$dir/pg_hba.conf" <<HBA
hostssl all $users 127.0.0.1/32 cert
host    all $users 127.0.0.1/32 reject
local   all all                 trust
host    all all    127.0.0.1/32 trust
HBA

cat >"$dir/tls.conf" <<CONF
ssl = on
ssl_cert_file = '$dir/server.crt'
ssl_key_file = '$dir/server.key'
ssl_ca_file = '$dir/ca.crt'
hba_file = '$dir/pg_hba.conf'
regress.tls_dir = '$dir'
CONF
