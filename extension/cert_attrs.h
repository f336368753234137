/*
 * cert_attrs.h -- the verified client certificate's subject, encoded as
 * "name\0value\0..." for a request (AutouserRequest.attrs).
 */
#ifndef AUTOUSER_CERT_ATTRS_H
#define AUTOUSER_CERT_ATTRS_H

#include "libpq/libpq-be.h"

extern bool autouser_cert_attrs(Port *port, char *out, int cap, int *len);
extern bool autouser_attrs_append(char *out, int cap, int *len,
								  const char *name, const char *value);

#endif							/* AUTOUSER_CERT_ATTRS_H */
