/*
 * managed.c -- which roles pg_autouser provisioned or adopted.  The record is
 * a security label (provider "pg_autouser", label "managed") on the role,
 * kept in the shared catalog pg_shseclabel: it commits with the role change
 * that makes it, is readable inside authentication before a database is
 * chosen (PostgreSQL nails pg_shseclabel for that), replicates to standbys,
 * and survives DROP EXTENSION and DROP DATABASE, so that roles it marks are
 * still cleaned up then.  DROP ROLE removes it.  Only a superuser or
 * pg_autouser.admin_role may set or remove it.  Sets nothing itself:
 * role_ddl.c labels the roles it provisions.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_shseclabel.h"
#include "commands/seclabel.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
#include "utils/relcache.h"

#include "managed.h"
#include "run_as.h"

/* SECURITY LABEL FOR pg_autouser: only "managed", only by its keepers. */
static void
check_relabel(const ObjectAddress *object, const char *label)
{
	Oid user = GetUserId();

	if (object->classId != AuthIdRelationId)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						errmsg("pg_autouser labels only roles")));
	if (label != NULL && strcmp(label, AUTOUSER_LABEL_MANAGED) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"%s\" is not a pg_autouser label", label),
				 errhint("The only label is '%s'.", AUTOUSER_LABEL_MANAGED)));
	if (!superuser_arg(user) && user != autouser_admin_role_oid(true))
		ereport(
			ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg(
				 "permission denied to change which roles pg_autouser manages"),
			 errdetail(
				 "Only a superuser or pg_autouser.admin_role may set a pg_autouser label.")));
}

void
autouser_managed_init(void)
{
	register_label_provider(AUTOUSER_LABEL_PROVIDER, check_relabel);
}

/* Scans pg_shseclabel for our labels on roles, on one role if role is valid. */
static List *
scan_labels(Oid role)
{
	Relation    rel = table_open(SharedSecLabelRelationId, AccessShareLock);
	ScanKeyData keys[3];
	int         nkeys = 0;
	SysScanDesc scan;
	HeapTuple   tuple;
	List       *roles = NIL;

	if (OidIsValid(role))
		ScanKeyInit(&keys[nkeys++], Anum_pg_shseclabel_objoid,
					BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(role));
	ScanKeyInit(&keys[nkeys++], Anum_pg_shseclabel_classoid,
				BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(AuthIdRelationId));
	ScanKeyInit(&keys[nkeys++], Anum_pg_shseclabel_provider,
				BTEqualStrategyNumber, F_TEXTEQ,
				CStringGetTextDatum(AUTOUSER_LABEL_PROVIDER));
	/*
	 * With the role, the index answers -- unless, as early in a login, the
	 * shared indexes are not in the relcache yet (catcache.c's IndexScanOK
	 * makes the same exception); then, as without a role, the small
	 * catalog is scanned.
	 */
	scan = systable_beginscan(rel, SharedSecLabelObjectIndexId,
							  OidIsValid(role) && criticalSharedRelcachesBuilt,
							  NULL, nkeys, keys);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
		roles = lappend_oid(roles,
							((Form_pg_shseclabel) GETSTRUCT(tuple))->objoid);
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return roles;
}

/* Whether pg_autouser provisioned or adopted role (and it was not dropped). */
bool
autouser_role_is_recorded(Oid role)
{
	return scan_labels(role) != NIL;
}

/* Every role pg_autouser manages, in no particular order. */
List *
autouser_recorded_roles(void)
{
	return scan_labels(InvalidOid);
}
