#!/usr/bin/env python3
"""mkcerts_bulk.py CADIR OUTDIR PREFIX N [OU] -- N client certificates CN=PREFIX<i>
sharing one key (OUTDIR/bulk.key), as OUTDIR/PREFIX<i>.crt."""
import datetime, os, sys
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
cadir, outdir, prefix, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
ou = sys.argv[5] if len(sys.argv) > 5 else None
os.makedirs(outdir, exist_ok=True)
ca_key = serialization.load_pem_private_key(open(cadir + "/ca.key", "rb").read(), None)
ca = x509.load_pem_x509_certificate(open(cadir + "/ca.crt", "rb").read())
keypath = outdir + "/bulk.key"
if os.path.exists(keypath):
    key = serialization.load_pem_private_key(open(keypath, "rb").read(), None)
else:
    key = ec.generate_private_key(ec.SECP256R1())
    with open(keypath, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                  serialization.NoEncryption()))
    os.chmod(keypath, 0o600)
now = datetime.datetime.now(datetime.timezone.utc)
for i in range(n):
    attrs = []
    if ou:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, f"{prefix}{i}"))
    cert = (x509.CertificateBuilder().subject_name(x509.Name(attrs)).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=2)).sign(ca_key, hashes.SHA256()))
    with open(f"{outdir}/{prefix}{i}.crt", "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
