/*
 * cert_attrs.c -- reads the subject of the client certificate the server
 * verified (OpenSSL short names, UTF-8 values) and says whether it is
 * usable: readable, and naming exactly one CN.  Does not judge the values.
 */
#include "postgres.h"

#include <openssl/objects.h>
#include <openssl/x509.h>

#include "cert_attrs.h"

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
		OPENSSL_free(utf8);
	}
	if (cns > 1)
		return AUTOUSER_SUBJECT_AMBIGUOUS_CN;
	return readable ? AUTOUSER_SUBJECT_OK : AUTOUSER_SUBJECT_UNREADABLE;
}
