/*
 * schema_trust.c -- decides whether schema "autouser" is the extension's
 * own: the schema pg_autouser was created in, still named so, and owned by
 * the extension's owner.  Every statement pg_autouser runs with the owner's
 * rights names its objects autouser.*, so a schema another role owns (one
 * the owner of pg_autouser.database made before CREATE EXTENSION, say)
 * would let that role plant what those statements run (SPEC 6).  CREATE
 * and ALTER EXTENSION refuse such a schema, one others may create objects
 * in, and one holding anything that is not the extension's; the workers and
 * the functions do not act while the schema is not the extension's own.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "guc.h"
#include "run_as.h"
#include "schema_trust.h"

#define AUTOUSER_SCHEMA "autouser"

/*
 * A copy of the row of catalog (whose index on column oidcol is index) with
 * that oid, or NULL.  Read through a fresh catalog snapshot, not the
 * syscache: a worker woken by a commit that renamed the schema or gave a new
 * owner to it, the extension or the database may start its transaction
 * before that commit's cache invalidations are sent.
 */
HeapTuple
autouser_fresh_catalog_row(Oid catalog, Oid index, AttrNumber oidcol, Oid oid)
{
	Relation    rel = table_open(catalog, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple   tuple;

	ScanKeyInit(&key, oidcol, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(oid));
	scan = systable_beginscan(rel, index, true, NULL, 1, &key);
	tuple = systable_getnext(scan);
	if (HeapTupleIsValid(tuple))
		tuple = heap_copytuple(tuple);
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return tuple;
}

/* Name and owner of schema namespace, false when it does not exist. */
static bool
namespace_row(Oid namespace, NameData *name, Oid *owner)
{
	HeapTuple tuple =
		autouser_fresh_catalog_row(NamespaceRelationId, NamespaceOidIndexId,
								   Anum_pg_namespace_oid, namespace);

	if (!HeapTupleIsValid(tuple))
		return false;
	*name = ((Form_pg_namespace) GETSTRUCT(tuple))->nspname;
	*owner = ((Form_pg_namespace) GETSTRUCT(tuple))->nspowner;
	heap_freetuple(tuple);
	return true;
}

/*
 * The state of the extension's schema now.  *namespace (when not NULL)
 * gets the schema the extension was created in, InvalidOid without one.
 */
AutouserSchemaState
autouser_schema_state(Oid *namespace)
{
	Oid      owner;
	Oid      schema;
	NameData name;
	Oid      schema_owner;

	if (namespace)
		*namespace = InvalidOid;
	if (!OidIsValid(MyDatabaseId) ||
		!OidIsValid(autouser_extension_row(&owner, &schema)))
		return AUTOUSER_SCHEMA_NO_EXTENSION;
	if (namespace)
		*namespace = schema;
	if (!namespace_row(schema, &name, &schema_owner) ||
		strcmp(NameStr(name), AUTOUSER_SCHEMA) != 0)
		return AUTOUSER_SCHEMA_MOVED;
	if (schema_owner != owner)
		return AUTOUSER_SCHEMA_FOREIGN_OWNER;
	return AUTOUSER_SCHEMA_OWN;
}

/* Schema "autouser" when it is the extension's own, else InvalidOid. */
Oid
autouser_extension_namespace(void)
{
	Oid namespace;

	return autouser_schema_state(&namespace) == AUTOUSER_SCHEMA_OWN
			   ? namespace
			   : InvalidOid;
}

static char *
schema_owner_name(Oid namespace)
{
	NameData name;
	Oid      owner = InvalidOid;

	(void) namespace_row(namespace, &name, &owner);
	return GetUserNameFromId(owner, true);
}

static char *
schema_name(Oid namespace)
{
	NameData name;
	Oid      owner;

	return namespace_row(namespace, &name, &owner) ? pstrdup(NameStr(name))
												   : psprintf("%u", namespace);
}

/*
 * Says why the extension's schema is not its own: at elevel LOG, that the
 * workers are inert; at ERROR, that a function will not act.
 */
static void
report_schema(int elevel, AutouserSchemaState state, Oid namespace)
{
	bool  inert = elevel < ERROR;
	Oid   owner = autouser_extension_owner();
	char *owner_name = GetUserNameFromId(owner, true);

	switch (state)
	{
		case AUTOUSER_SCHEMA_OWN:
			break;
		case AUTOUSER_SCHEMA_NO_EXTENSION:
			ereport(
				elevel,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 inert
					 ? errmsg(
						   "pg_autouser is inert: the extension is not created in database \"%s\"",
						   autouser_database)
					 : errmsg("extension \"pg_autouser\" does not exist"),
				 errhint(
					 "Run CREATE EXTENSION pg_autouser in database \"%s\".",
					 autouser_database)));
			break;
		case AUTOUSER_SCHEMA_MOVED:
			ereport(
				elevel,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 inert
					 ? errmsg(
						   "pg_autouser is inert: schema \"autouser\" is not the one extension \"pg_autouser\" was created in")
					 : errmsg(
						   "schema \"autouser\" is not the one extension \"pg_autouser\" was created in"),
				 errdetail("The extension's schema is named \"%s\" now.",
						   schema_name(namespace)),
				 errhint(
					 "Rename the schemas back, or drop the extension and create it again.")));
			break;
		case AUTOUSER_SCHEMA_FOREIGN_OWNER:
			ereport(
				elevel,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 inert
					 ? errmsg(
						   "pg_autouser is inert: schema \"autouser\" is owned by role \"%s\", not by the extension's owner \"%s\"",
						   schema_owner_name(namespace), owner_name)
					 : errmsg(
						   "schema \"autouser\" is owned by role \"%s\", not by the extension's owner \"%s\"",
						   schema_owner_name(namespace), owner_name),
				 errdetail(
					 "pg_autouser acts in schema \"autouser\" with its owner's rights, so it does not act while another role owns that schema."),
				 errhint(
					 "Give the schema back with ALTER SCHEMA autouser OWNER TO %s.",
					 quote_identifier(owner_name))));
			break;
	}
}

/* Logs why the workers do nothing (once per inert period: the caller's). */
void
autouser_schema_log_inert(AutouserSchemaState state)
{
	Oid namespace;

	(void) autouser_schema_state(&namespace);
	report_schema(LOG, state, namespace);
}

/* Raises 55000 unless schema "autouser" is the extension's own. */
void
autouser_schema_require_own(void)
{
	Oid namespace;
	AutouserSchemaState state = autouser_schema_state(&namespace);

	if (state != AUTOUSER_SCHEMA_OWN)
		report_schema(ERROR, state, namespace);
}

/* Why only the extension's owner may own the schema or create in it. */
static int
schema_rights_detail(void)
{
	return errdetail(
		"pg_autouser runs statements in schema \"autouser\" with the rights of the extension's owner, so that role alone may own the schema or create objects in it.");
}

/* A role other than owner that may create objects in the schema, or false. */
static bool
create_grantee(HeapTuple tuple, Oid owner, Oid *grantee)
{
	bool   isnull;
	Datum  datum = SysCacheGetAttr(NAMESPACEOID, tuple,
								   Anum_pg_namespace_nspacl, &isnull);
	Datum *items;
	int    n;
	int16  typlen;
	bool   typbyval;
	char   typalign;

	/* The default: the owner alone. */
	if (isnull)
		return false;
	get_typlenbyvalalign(ACLITEMOID, &typlen, &typbyval, &typalign);
	deconstruct_array(DatumGetArrayTypeP(datum), ACLITEMOID, typlen, typbyval,
					  typalign, &items, NULL, &n);
	for (int i = 0; i < n; i++)
	{
		AclItem *item = (AclItem *) DatumGetPointer(items[i]);

		if ((ACLITEM_GET_PRIVS(*item) & ACL_CREATE) &&
			item->ai_grantee != owner)
		{
			*grantee = item->ai_grantee;
			return true;
		}
	}
	return false;
}

/* An object in the schema that is not the extension's, or false. */
static bool
foreign_object(Oid namespace, Oid extension, ObjectAddress *found)
{
	Relation    rel = table_open(DependRelationId, AccessShareLock);
	ScanKeyData keys[2];
	SysScanDesc scan;
	HeapTuple   tuple;
	bool        any = false;

	ScanKeyInit(&keys[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(NamespaceRelationId));
	ScanKeyInit(&keys[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(namespace));
	scan =
		systable_beginscan(rel, DependReferenceIndexId, true, NULL, 2, keys);
	while (!any && HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tuple);

		if (dep->classid == ExtensionRelationId && dep->objid == extension)
			continue;
		if (getExtensionOfObject(dep->classid, dep->objid) == extension)
			continue;
		found->classId = dep->classid;
		found->objectId = dep->objid;
		found->objectSubId = dep->objsubid;
		any = true;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return any;
}

/*
 * Called by the install and update scripts before they create anything
 * else: refuses (42501, 55000) a schema "autouser" that another role than
 * the extension's owner owns or may create objects in, or that holds
 * anything that is not the extension's.  CREATE EXTENSION adopts a schema
 * that exists already, whoever made it.
 */
void
autouser_schema_check_install(void)
{
	Oid owner;
	Oid namespace;
	Oid               extension = autouser_extension_row(&owner, &namespace);
	Oid               grantee;
	HeapTuple         tuple;
	Form_pg_namespace form;
	ObjectAddress     object;

	if (!OidIsValid(extension))
		return;
	tuple = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(namespace));
	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "pg_autouser: cache lookup failed for schema %u",
			 namespace);
	form = (Form_pg_namespace) GETSTRUCT(tuple);
	if (strcmp(NameStr(form->nspname), AUTOUSER_SCHEMA) != 0)
		ereport(
			ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg(
				 "extension \"pg_autouser\" is in schema \"%s\", not in schema \"autouser\"",
				 NameStr(form->nspname)),
			 errhint("Rename the schema back to autouser, and try again.")));
	if (form->nspowner != owner)
		ereport(
			ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("schema \"autouser\" is owned by role \"%s\"",
					GetUserNameFromId(form->nspowner, true)),
			 schema_rights_detail(),
			 errhint(
				 "Drop schema \"autouser\" and create the extension again, or make the extension's owner the schema's owner.")));
	if (create_grantee(tuple, owner, &grantee))
		ereport(
			ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 grantee == ACL_ID_PUBLIC
				 ? errmsg("schema \"autouser\" grants CREATE to PUBLIC")
				 : errmsg("schema \"autouser\" grants CREATE to role \"%s\"",
						  GetUserNameFromId(grantee, true)),
			 schema_rights_detail(),
			 errhint(
				 "Revoke CREATE on schema \"autouser\" from every role but its owner, and try again.")));
	ReleaseSysCache(tuple);
	if (foreign_object(namespace, extension, &object))
		ereport(
			ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("schema \"autouser\" is not empty"),
			 errdetail(
				 "It holds %s, which is not part of extension \"pg_autouser\".",
				 getObjectDescription(&object, false)),
			 errhint(
				 "Drop schema \"autouser\" or move what it holds to another schema, and try again.")));
}
