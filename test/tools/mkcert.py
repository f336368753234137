#!/usr/bin/env python3
"""mkcert.py CADIR OUT JSON -- a client certificate signed by CADIR/ca.{crt,key}
with an arbitrary subject: JSON is a list of RDNs, each a list of
[oid-or-short-name, value, asn1-type or null]; value may contain any text.
Writes OUT.crt and OUT.key (EC P-256)."""
import datetime, json, sys
from cryptography import x509
from cryptography.x509.oid import NameOID, ObjectIdentifier
from cryptography.x509.name import _ASN1Type
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

cadir, out, spec = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
short = {"CN": NameOID.COMMON_NAME, "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
         "O": NameOID.ORGANIZATION_NAME, "C": NameOID.COUNTRY_NAME,
         "L": NameOID.LOCALITY_NAME, "ST": NameOID.STATE_OR_PROVINCE_NAME,
         "title": NameOID.TITLE, "serialNumber": NameOID.SERIAL_NUMBER}
rdns = []
for rdn in spec:
    attrs = []
    for name, value, typ in rdn:
        oid = short.get(name) or ObjectIdentifier(name)
        kw = {"_type": getattr(_ASN1Type, typ)} if typ else {}
        attrs.append(x509.NameAttribute(oid, value, **kw))
    rdns.append(x509.RelativeDistinguishedName(attrs))
subject = x509.Name(rdns)
with open(cadir + "/ca.key", "rb") as f:
    ca_key = serialization.load_pem_private_key(f.read(), None)
with open(cadir + "/ca.crt", "rb") as f:
    ca = x509.load_pem_x509_certificate(f.read())
key = ec.generate_private_key(ec.SECP256R1())
now = datetime.datetime.now(datetime.timezone.utc)
days = float(sys.argv[4]) if len(sys.argv) > 4 else 2
cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .sign(ca_key, hashes.SHA256()))
with open(out + ".crt", "wb") as f:
    f.write(cert.public_bytes(serialization.Encoding.PEM))
with open(out + ".key", "wb") as f:
    f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                              serialization.NoEncryption()))
import os
os.chmod(out + ".key", 0o600)
