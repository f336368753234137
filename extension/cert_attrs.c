/*
 * cert_attrs.c -- reads the subject of the client certificate the server
 * verified (OpenSSL short names, UTF-8 values) and says whether it is
 * usable: readable, and naming exactly one CN; and which certificate it is
 * (issuer, serial, expiry), for ending its sessions when it expires or is
 * revoked.  Does not judge the values.
 */
#include "postgres.h"

#include <openssl/objects.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <time.h>

#include "cert_attrs.h"
#include "utils/timestamp.h"

bool
autouser_attrs_append(char *out, int cap, int *len, const char *name,
					  const char *value)
{
	int name_len = strlen(name) + 1;
	int value_len = strlen(value) + 1;

	if (*len + name_len + value_len > cap)
		return false;
	memcpy(out + *len, name, name_len);
	memcpy(out + *len + name_len, value, value_len);
	*len += name_len + value_len;
	return true;
}

/*
 * Whether entry i shares its RDN (X509_NAME_ENTRY_set) with a neighbour:
 * a multi-valued RDN such as "CN=alice+OU=eng".
 */
static bool
in_multivalued_rdn(X509_NAME *subject, int i, int count)
{
	int set = X509_NAME_ENTRY_set(X509_NAME_get_entry(subject, i));

	return (i > 0 &&
			X509_NAME_ENTRY_set(X509_NAME_get_entry(subject, i - 1)) == set) ||
		   (i + 1 < count &&
			X509_NAME_ENTRY_set(X509_NAME_get_entry(subject, i + 1)) == set);
}

/*
 * Encodes the subject into out.  Never fails: a subject that cannot be
 * encoded is reported, and the caller decides whether that matters (only
 * for a login pg_autouser acts on).  PostgreSQL itself took the first CN as
 * the user name; a second one could make {{cert.CN}} name another role.
 */
AutouserSubject
autouser_cert_attrs(Port *port, char *out, int cap, int *len)
{
	X509_NAME *subject;
	int        count;
	int        cns = 0;
	bool       readable = true;

	*len = 0;
	if (port->peer == NULL)
		return AUTOUSER_SUBJECT_UNREADABLE;
	subject = X509_get_subject_name(port->peer);
	count = X509_NAME_entry_count(subject);
	for (int i = 0; i < count; i++)
	{
		X509_NAME_ENTRY *entry = X509_NAME_get_entry(subject, i);
		ASN1_OBJECT     *object = X509_NAME_ENTRY_get_object(entry);
		int              nid = OBJ_obj2nid(object);
		char             numeric[128];
		const char      *name;
		unsigned char   *utf8 = NULL;
		int              utf8_len;

		if (nid == NID_commonName)
		{
			cns++;
			if (in_multivalued_rdn(subject, i, count))
				cns++;
		}
		if (!readable)
			continue;
		if (nid != NID_undef)
			name = OBJ_nid2sn(nid);
		else
		{
			OBJ_obj2txt(numeric, sizeof(numeric), object, 1);
			name = numeric;
		}
		utf8_len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
		if (utf8_len < 0)
		{
			readable = false;
			continue;
		}
		/* An embedded NUL would split the value: refuse, as PostgreSQL does for CN. */
		readable = (int) strlen((char *) utf8) == utf8_len &&
				   autouser_attrs_append(out, cap, len, name, (char *) utf8);
		/*
		 * PostgreSQL matched the user name against the CN's raw bytes; the
		 * text they decode to must be the same name, or {{cert.CN}} would
		 * name someone else (a BMPString's bytes can read as ASCII).
		 */
		if (nid == NID_commonName && port->peer_cn != NULL &&
			strcmp((char *) utf8, port->peer_cn) != 0)
			readable = false;
		OPENSSL_free(utf8);
	}
	if (cns > 1)
		return AUTOUSER_SUBJECT_AMBIGUOUS_CN;
	return readable ? AUTOUSER_SUBJECT_OK : AUTOUSER_SUBJECT_UNREADABLE;
}

/*
 * The DN as PostgreSQL's ssl_issuer_dn() shows it (RFC 2253), cut to fit;
 * the same function formats a revocation list's issuer, so they compare.
 */
void
autouser_x509_name_text(X509_NAME *name, char *out, int cap)
{
	BIO  *bio = BIO_new(BIO_s_mem());
	char *data;
	long  len;

	out[0] = '\0';
	if (bio == NULL)
		return;
	if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0)
	{
		len = BIO_get_mem_data(bio, &data);
		snprintf(out, cap, "%.*s", (int) Min(len, (long) cap - 1), data);
	}
	BIO_free(bio);
}

/* A serial number in upper-case hex, as openssl shows it. */
void
autouser_serial_text(const ASN1_INTEGER *serial, char *out, int cap)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(serial, NULL);
	char   *hex = bn ? BN_bn2hex(bn) : NULL;

	strlcpy(out, hex ? hex : "", cap);
	OPENSSL_free(hex);
	BN_free(bn);
}

/* SHA-256 of an issuer name's DER encoding (zeroes if it has none). */
void
autouser_name_digest(X509_NAME *name, unsigned char *digest)
{
	const unsigned char *der;
	size_t               len;

	memset(digest, 0, AUTOUSER_DIGEST_BYTES);
	if (X509_NAME_get0_der(name, &der, &len) == 1)
		(void) EVP_Digest(der, len, digest, NULL, EVP_sha256(), NULL);
}

/* SHA-256 of a serial number's DER encoding (zeroes if it has none). */
void
autouser_serial_digest(const ASN1_INTEGER *serial, unsigned char *digest)
{
	unsigned char *der = NULL;
	int            len = i2d_ASN1_INTEGER(serial, &der);

	memset(digest, 0, AUTOUSER_DIGEST_BYTES);
	if (len > 0)
		(void) EVP_Digest(der, len, digest, NULL, EVP_sha256(), NULL);
	OPENSSL_free(der);
}

/* Which certificate the login presented; zeroes when there is none. */
void
autouser_cert_facts(Port *port, AutouserCert *cert)
{
	struct tm tm;

	memset(cert, 0, sizeof(AutouserCert));
	if (port->peer == NULL)
		return;
	autouser_x509_name_text(X509_get_issuer_name(port->peer), cert->issuer,
							AUTOUSER_ISSUER_BYTES);
	autouser_serial_text(X509_get0_serialNumber(port->peer), cert->serial,
						 AUTOUSER_SERIAL_BYTES);
	autouser_name_digest(X509_get_issuer_name(port->peer),
						 cert->issuer_digest);
	autouser_serial_digest(X509_get0_serialNumber(port->peer),
						   cert->serial_digest);
	if (ASN1_TIME_to_tm(X509_get0_notAfter(port->peer), &tm) == 1)
		cert->not_after = time_t_to_timestamptz(timegm(&tm));
}
