/*
 * cert_attrs.h -- the verified client certificate's subject, encoded as
 * "name\0value\0..." for a request (AutouserRequest.attrs) (cert_attrs.c).
 */
#ifndef AUTOUSER_CERT_ATTRS_H
#define AUTOUSER_CERT_ATTRS_H

#include <openssl/x509.h>

#include "libpq/libpq-be.h"

#include "login.h"

extern AutouserSubject
			autouser_cert_attrs(Port *port, char *out, int cap, int *len);
extern void autouser_cert_facts(Port *port, AutouserCert *cert);
extern void autouser_x509_name_text(X509_NAME *name, char *out, int cap);
extern void autouser_name_digest(X509_NAME *name, unsigned char *digest);
extern void
autouser_serial_digest(const ASN1_INTEGER *serial, unsigned char *digest);
extern void
autouser_serial_text(const ASN1_INTEGER *serial, char *out, int cap);
extern bool autouser_attrs_append(char *out, int cap, int *len,
								  const char *name, const char *value);

#endif /* AUTOUSER_CERT_ATTRS_H */
