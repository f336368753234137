/*
 * schema_trust.h -- whether schema "autouser" is the extension's own, so
 * that SQL naming autouser.* may run with the extension owner's rights
 * (schema_trust.c).
 */
#ifndef AUTOUSER_SCHEMA_TRUST_H
#define AUTOUSER_SCHEMA_TRUST_H

#include "access/attnum.h"
#include "access/htup.h"

typedef enum AutouserSchemaState
{
	AUTOUSER_SCHEMA_OWN = 0,       /* the extension's own: act */
	AUTOUSER_SCHEMA_NO_EXTENSION,  /* not created in this database */
	AUTOUSER_SCHEMA_MOVED,         /* its schema is not named autouser */
	AUTOUSER_SCHEMA_FOREIGN_OWNER, /* owned by another role than its owner */
} AutouserSchemaState;

extern AutouserSchemaState autouser_schema_state(Oid *namespace);
extern Oid                 autouser_extension_namespace(void);
extern void                autouser_schema_require_own(void);
extern void autouser_schema_log_inert(AutouserSchemaState state);
extern void autouser_schema_check_install(void);
extern HeapTuple
autouser_fresh_catalog_row(Oid catalog, Oid index, AttrNumber oidcol, Oid oid);

#endif /* AUTOUSER_SCHEMA_TRUST_H */
