/*
 * cert_attrs.c -- reads the subject of the client certificate the server
 * verified (OpenSSL short names, UTF-8 values).  Does not judge them.
 */
#include "postgres.h"

#include <openssl/objects.h>
#include <openssl/x509.h>

#include "cert_attrs.h"

bool
autouser_attrs_append(char *out, int cap, int *len, const char *name,
					  const char *value)
{
	int			name_len = strlen(name) + 1;
	int			value_len = strlen(value) + 1;

	if (*len + name_len + value_len > cap)
		return false;
	memcpy(out + *len, name, name_len);
	memcpy(out + *len + name_len, value, value_len);
	*len += name_len + value_len;
	return true;
}

/* false if the subject does not fit in cap or holds an unreadable entry. */
bool
autouser_cert_attrs(Port *port, char *out, int cap, int *len)
{
	X509_NAME  *subject;
	int			count;

	*len = 0;
	if (port->peer == NULL)
		return false;
	subject = X509_get_subject_name(port->peer);
	count = X509_NAME_entry_count(subject);
	for (int i = 0; i < count; i++)
	{
		X509_NAME_ENTRY *entry = X509_NAME_get_entry(subject, i);
		ASN1_OBJECT *object = X509_NAME_ENTRY_get_object(entry);
		int			nid = OBJ_obj2nid(object);
		char		numeric[128];
		const char *name;
		unsigned char *utf8 = NULL;
		int			utf8_len;
		bool		ok;

		if (nid != NID_undef)
			name = OBJ_nid2sn(nid);
		else
		{
			OBJ_obj2txt(numeric, sizeof(numeric), object, 1);
			name = numeric;
		}
		utf8_len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
		if (utf8_len < 0)
			return false;
		/* An embedded NUL would split the value: refuse, as PostgreSQL does for CN. */
		ok = (int) strlen((char *) utf8) == utf8_len &&
			autouser_attrs_append(out, cap, len, name, (char *) utf8);
		OPENSSL_free(utf8);
		if (!ok)
			return false;
	}
	return true;
}
