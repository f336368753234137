/*
 * cert_attrs.h -- the verified client certificate's subject, encoded as
 * "name\0value\0..." for a request (AutouserRequest.attrs) (cert_attrs.c).
 */
#ifndef AUTOUSER_CERT_ATTRS_H
#define AUTOUSER_CERT_ATTRS_H

#include "libpq/libpq-be.h"

typedef enum AutouserSubject
{
	AUTOUSER_SUBJECT_OK = 0,
	AUTOUSER_SUBJECT_UNREADABLE, /* too big, or a value that is not text */
	AUTOUSER_SUBJECT_AMBIGUOUS_CN /* several CNs, or a CN in a multi-valued RDN */
} AutouserSubject;

extern AutouserSubject
			autouser_cert_attrs(Port *port, char *out, int cap, int *len);
extern bool autouser_attrs_append(char *out, int cap, int *len,
								  const char *name, const char *value);

#endif /* AUTOUSER_CERT_ATTRS_H */
