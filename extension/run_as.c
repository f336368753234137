/*
 * run_as.c -- the one place that executes SQL for pg_autouser (SPI; the
 * caller is connected and in a transaction).  Each statement runs as the
 * least role that can do it -- role DDL as pg_autouser.admin_role, writes to
 * the extension's tables as the extension's owner -- inside a GUC nest level
 * with search_path pinned to pg_catalog, pg_temp and as a security-restricted
 * operation, the way REFRESH MATERIALIZED VIEW runs code for its owner.  The
 * statements themselves schema-qualify every operator and function, and run
 * as the owner only while schema autouser is the extension's own.  An error
 * aborts the transaction, which restores the identity and the settings.
 * Builds no SQL.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"

#include "compat.h"
#include "guc.h"
#include "run_as.h"
#include "schema_trust.h"

/*
 * The pg_autouser extension in this database: its oid (InvalidOid when it
 * is not created here), owner and schema.
 */
Oid
autouser_extension_row(Oid *owner, Oid *namespace)
{
	Relation    rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple   tuple;
	Oid         extension = InvalidOid;

	*owner = InvalidOid;
	*namespace = InvalidOid;
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber,
				F_NAMEEQ, CStringGetDatum("pg_autouser"));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tuple = systable_getnext(scan);
	if (HeapTupleIsValid(tuple))
	{
		Form_pg_extension form = (Form_pg_extension) GETSTRUCT(tuple);

		extension = form->oid;
		*owner = form->extowner;
		*namespace = form->extnamespace;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return extension;
}

/* The owner of the pg_autouser extension in this database, or InvalidOid. */
Oid
autouser_extension_owner(void)
{
	Oid owner;
	Oid namespace;

	(void) autouser_extension_row(&owner, &namespace);
	return owner;
}

/*
 * pg_autouser.admin_role, or the bootstrap superuser when it is empty (the
 * documented default).  InvalidOid if the role is missing and missing_ok.
 */
Oid
autouser_admin_role_oid(bool missing_ok)
{
	if (autouser_admin_role == NULL || autouser_admin_role[0] == '\0')
		return BOOTSTRAP_SUPERUSERID;
	return get_role_oid(autouser_admin_role, missing_ok);
}

static Oid
actor_role(AutouserActor actor)
{
	Oid role;

	switch (actor)
	{
		case AUTOUSER_AS_ADMIN:
			return autouser_admin_role_oid(false);
		case AUTOUSER_AS_OWNER:
			role = autouser_extension_owner();
			if (!OidIsValid(role))
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("extension \"pg_autouser\" does not exist")));
			/* Its statements name autouser.*: that must be its own schema. */
			autouser_schema_require_own();
			return role;
		case AUTOUSER_AS_CALLER:
			break;
	}
	return GetUserId();
}

int
autouser_sql(AutouserActor actor, const char *sql, int nargs, Oid *types,
			 Datum *values, const char *nulls, bool read_only)
{
	Oid role = actor_role(actor);
	Oid saved_user;
	int saved_context;
	int nest_level;
	int ret;

	GetUserIdAndSecContext(&saved_user, &saved_context);
	SetUserIdAndSecContext(role, saved_context | SECURITY_LOCAL_USERID_CHANGE |
									 SECURITY_RESTRICTED_OPERATION);
	nest_level = NewGUCNestLevel();
	autouser_restrict_search_path();
	ret =
		SPI_execute_with_args(sql, nargs, types, values, nulls, read_only, 0);
	if (ret < 0)
		elog(ERROR, "pg_autouser: SPI_execute_with_args failed: %s",
			 SPI_result_code_string(ret));
	AtEOXact_GUC(false, nest_level);
	SetUserIdAndSecContext(saved_user, saved_context);
	return ret;
}

/* Role DDL, with exactly the privileges of pg_autouser.admin_role. */
void
autouser_admin_ddl(const char *sql)
{
	(void) autouser_sql(AUTOUSER_AS_ADMIN, sql, 0, NULL, NULL, NULL, false);
}
