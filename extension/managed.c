/*
 * managed.c -- which roles pg_autouser provisioned or adopted, and which
 * settings it gave them.  The record is a security label (provider
 * "pg_autouser", label "managed") on the role,
 * kept in the shared catalog pg_shseclabel: it commits with the role change
 * that makes it, is readable inside authentication before a database is
 * chosen (PostgreSQL nails pg_shseclabel for that), replicates to standbys,
 * and survives DROP EXTENSION and DROP DATABASE, so that roles it marks are
 * still cleaned up then.  DROP ROLE removes it.  Only a superuser or
 * pg_autouser.admin_role may set or remove it.  The settings that rule
 * options gave a role are recorded the same way and for the same reasons
 * (the login hook compares them), under provider "pg_autouser_settings".
 * Sets nothing itself: role_ddl.c and role_options.c label the roles.
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
#include "utils/jsonb.h"
#include "utils/rel.h"
#include "utils/relcache.h"

#include "managed.h"
#include "run_as.h"

/* Either label provider: roles only, labelled only by their keepers. */
static void
check_keeper(const ObjectAddress *object)
{
	Oid user = GetUserId();

	if (object->classId != AuthIdRelationId)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						errmsg("pg_autouser labels only roles")));
	if (!superuser_arg(user) && user != autouser_admin_role_oid(true))
		ereport(
			ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg(
				 "permission denied to change which roles pg_autouser manages"),
			 errdetail(
				 "Only a superuser or pg_autouser.admin_role may set a pg_autouser label.")));
}

/* SECURITY LABEL FOR pg_autouser: only "managed". */
static void
check_relabel(const ObjectAddress *object, const char *label)
{
	check_keeper(object);
	if (label != NULL && strcmp(label, AUTOUSER_LABEL_MANAGED) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"%s\" is not a pg_autouser label", label),
				 errhint("The only label is '%s'.", AUTOUSER_LABEL_MANAGED)));
}

/* SECURITY LABEL FOR pg_autouser_settings: a JSON object of settings. */
static void
check_settings_relabel(const ObjectAddress *object, const char *label)
{
	check_keeper(object);
	if (label != NULL && !JB_ROOT_IS_OBJECT(DatumGetJsonbP(DirectFunctionCall1(
							 jsonb_in, CStringGetDatum(label)))))
		ereport(
			ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg(
				 "a pg_autouser_settings label must be a JSON object of settings")));
}

void
autouser_managed_init(void)
{
	register_label_provider(AUTOUSER_LABEL_PROVIDER, check_relabel);
	register_label_provider(AUTOUSER_LABEL_SETTINGS_PROVIDER,
							check_settings_relabel);
}

/*
 * Scans pg_shseclabel for provider's labels on roles, on one role if role is
 * valid; with label, the (last) label's text goes there.
 */
static List *
scan_labels(Oid role, const char *provider, char **label)
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
				CStringGetTextDatum(provider));
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
	{
		bool isnull;

		roles = lappend_oid(roles,
							((Form_pg_shseclabel) GETSTRUCT(tuple))->objoid);
		if (label != NULL)
			*label = TextDatumGetCString(
				heap_getattr(tuple, Anum_pg_shseclabel_label,
							 RelationGetDescr(rel), &isnull));
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return roles;
}

/* Whether pg_autouser provisioned or adopted role (and it was not dropped). */
bool
autouser_role_is_recorded(Oid role)
{
	return scan_labels(role, AUTOUSER_LABEL_PROVIDER, NULL) != NIL;
}

/* Every role pg_autouser manages, in no particular order. */
List *
autouser_recorded_roles(void)
{
	return scan_labels(InvalidOid, AUTOUSER_LABEL_PROVIDER, NULL);
}

/* The settings pg_autouser gave role (its settings label), or NULL. */
char *
autouser_role_settings_label(Oid role)
{
	char *label = NULL;

	(void) scan_labels(role, AUTOUSER_LABEL_SETTINGS_PROVIDER, &label);
	return label;
}
