/*
 * sql_funcs.c -- the C functions behind the autouser schema: install check,
 * rule validation for add_rule, preview, the rules-changed trigger, session
 * counts, deactivate and sweep.  Plain SQL in pg_autouser--1.0.sql does the
 * rest.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "storage/lwlock.h"

#include "admin_sql.h"
#include "cert_attrs.h"
#include "cleanup.h"
#include "core_bridge.h"
#include "guc.h"
#include "plan.h"
#include "queue.h"
#include "rules_cache.h"

PG_FUNCTION_INFO_V1(autouser_check_install);
PG_FUNCTION_INFO_V1(autouser_check_rule);
PG_FUNCTION_INFO_V1(autouser_preview);
PG_FUNCTION_INFO_V1(autouser_rules_changed_trigger);
PG_FUNCTION_INFO_V1(autouser_session_count);
PG_FUNCTION_INFO_V1(autouser_deactivate);
PG_FUNCTION_INFO_V1(autouser_sweep_now);

static void
require_preload(void)
{
	if (autouser_shared == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("pg_autouser must be loaded via shared_preload_libraries"),
				 errhint("Add pg_autouser to shared_preload_libraries in postgresql.conf and restart the server.")));
}

/* Called first by the install script: refuse a setup that cannot work. */
Datum
autouser_check_install(PG_FUNCTION_ARGS)
{
	char	   *current;

	require_preload();
	current = get_database_name(MyDatabaseId);
	if (strcmp(current, autouser_database) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("pg_autouser must be created in database \"%s\", not \"%s\"",
						autouser_database, current),
				 errhint("Connect to database \"%s\", or set pg_autouser.database = '%s' and restart.",
						 autouser_database, current)));
	autouser_rules_changed();
	PG_RETURN_VOID();
}

static void
bad_rule(const char *fmt_msg, const char *value, const char *problem)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg(fmt_msg, value, problem)));
}

static void
check_pattern(const char *what, text *pattern)
{
	const char *problem;
	char	   *value;

	if (pattern == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s pattern must not be null", what)));
	value = text_to_cstring(pattern);
	problem = autouser_pattern_problem(value);
	if (problem)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid %s pattern \"%s\": it %s", what, value, problem)));
}

static void
check_role_entry(const char *entry)
{
	bool		is_template;
	const char *problem = autouser_role_entry_problem(entry, &is_template);
	Oid			role;
	const char *reason;

	if (problem)
		bad_rule("invalid role entry \"%s\": it %s", entry, problem);
	if (is_template)
		return;
	role = get_role_oid(entry, true);
	if (!OidIsValid(role))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("role \"%s\" does not exist", entry),
				 errhint("Create the role first, or use a {{cert.<attribute>}} template.")));
	reason = autouser_forbidden_reason(role, InvalidOid);
	if (reason)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("role \"%s\" may not be granted by pg_autouser", entry),
				 errdetail("Role \"%s\" %s.", entry, reason)));
}

/* autouser._check_rule(identity, roles, database, cert_ou): raises 22023. */
Datum
autouser_check_rule(PG_FUNCTION_ARGS)
{
	ArrayType  *roles;
	Datum	   *elems;
	bool	   *nulls;
	int			n;

	check_pattern("identity", PG_ARGISNULL(0) ? NULL : PG_GETARG_TEXT_PP(0));
	check_pattern("database", PG_ARGISNULL(2) ? NULL : PG_GETARG_TEXT_PP(2));
	if (!PG_ARGISNULL(3))
	{
		char	   *ou = text_to_cstring(PG_GETARG_TEXT_PP(3));
		const char *problem = autouser_pattern_problem(ou);

		if (problem == NULL && strchr(ou, '*'))
			problem = "contains '*'; cert_ou is matched exactly";
		if (problem)
			bad_rule("invalid cert_ou \"%s\": it %s", ou, problem);
	}
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("roles must not be null")));
	roles = PG_GETARG_ARRAYTYPE_P(1);
	if (ARR_NDIM(roles) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("roles must be a one-dimensional array")));
	deconstruct_array(roles, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("roles must not be empty")));
	for (int i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("roles must not contain nulls")));
		check_role_entry(TextDatumGetCString(elems[i]));
	}
	PG_RETURN_VOID();
}

/* The rules as this transaction sees them, copied out of SPI's memory. */
static char *
read_rules_here(Size *len)
{
	MemoryContext caller = CurrentMemoryContext;
	char	   *blob;
	char	   *copy;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pg_autouser: SPI_connect failed");
	blob = autouser_rules_read(len);
	copy = MemoryContextAlloc(caller, Max(*len, 1));
	memcpy(copy, blob, *len);
	SPI_finish();
	return copy;
}

/*
 * autouser._preview(identity, database, attr_names[], attr_values[]): the
 * role set a login would get now, NULL when no rule applies, or the login's
 * rejection as an ERROR.
 */
Datum
autouser_preview(PG_FUNCTION_ARGS)
{
	AutouserRequest request;
	AutouserPlan plan;
	Datum	   *names,
			   *values;
	bool	   *name_nulls,
			   *value_nulls;
	int			n_names,
				n_values;
	bool		has_cn = false;
	const char *problem;
	char	   *identity;
	char	   *blob;
	Size		len;
	ArrayBuildState *out = NULL;
	ListCell   *lc;

	require_preload();
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("identity and database must not be null")));
	identity = text_to_cstring(PG_GETARG_TEXT_PP(0));
	problem = autouser_identity_problem(identity, strlen(identity));
	if (problem)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("certificate common name %s and cannot be a role name", problem)));

	memset(&request, 0, sizeof(request));
	strlcpy(request.identity, identity, NAMEDATALEN);
	strlcpy(request.database, text_to_cstring(PG_GETARG_TEXT_PP(1)), NAMEDATALEN);
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(2), TEXTOID, -1, false, TYPALIGN_INT,
					  &names, &name_nulls, &n_names);
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(3), TEXTOID, -1, false, TYPALIGN_INT,
					  &values, &value_nulls, &n_values);
	for (int i = 0; i < Min(n_names, n_values); i++)
	{
		char	   *name = TextDatumGetCString(names[i]);

		if (name_nulls[i] || value_nulls[i])
			continue;
		has_cn |= strcmp(name, "CN") == 0;
		if (!autouser_attrs_append(request.attrs, AUTOUSER_ATTRS_BYTES, &request.attrs_len,
								   name, TextDatumGetCString(values[i])))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("attrs are longer than %d bytes", AUTOUSER_ATTRS_BYTES)));
	}
	if (!has_cn &&
		!autouser_attrs_append(request.attrs, AUTOUSER_ATTRS_BYTES, &request.attrs_len,
							   "CN", identity))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("attrs are longer than %d bytes", AUTOUSER_ATTRS_BYTES)));

	blob = read_rules_here(&len);
	autouser_plan_login(&request, blob, len, &plan);

	if (plan.rules_broken)
		elog(ERROR, "pg_autouser: the rules could not be decoded");
	switch (plan.action)
	{
		case AUTOUSER_ACTION_NONE:
			PG_RETURN_NULL();
		case AUTOUSER_ACTION_ADMIT:
		case AUTOUSER_ACTION_CREATE:
		case AUTOUSER_ACTION_REACTIVATE:
			break;
		default:
			autouser_report_rejection(ERROR, request.identity, request.database, &plan);
	}
	out = initArrayResult(TEXTOID, CurrentMemoryContext, false);
	foreach(lc, plan.eval.roles)
		accumArrayResult(out, CStringGetTextDatum(lfirst(lc)), false, TEXTOID,
						 CurrentMemoryContext);
	PG_RETURN_DATUM(makeArrayResult(out, CurrentMemoryContext));
}

/* Statement trigger on autouser.rules: republish the rules at commit. */
Datum
autouser_rules_changed_trigger(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "pg_autouser: rules-changed function called outside a trigger");
	autouser_rules_changed();
	return PointerGetDatum(NULL);
}

/* autouser._session_count(role oid): live sessions of a managed role. */
Datum
autouser_session_count(PG_FUNCTION_ARGS)
{
	int			counted;

	require_preload();
	PG_RETURN_INT32(autouser_role_sessions(PG_GETARG_OID(0), 0, &counted));
}

/* Ends the role's sessions (and logins in progress), waiting up to 5 s each. */
static void
terminate_sessions(Oid role)
{
	ArrayBuildState *pids = initArrayResult(INT4OID, CurrentMemoryContext, false);
	pid_t	   *found = palloc(sizeof(pid_t) * autouser_shared->nslots);
	int			nfound = 0;
	Oid			types[2] = {OIDOID, INT4ARRAYOID};
	Datum		values[2];

	/* Counted sessions include logins still authenticating (not in pg_stat_activity). */
	LWLockAcquire(autouser_shared->queue_lock, LW_SHARED);
	for (int i = 0; i < autouser_shared->nslots; i++)
		if (autouser_shared->sessions[i].role == role &&
			autouser_shared->sessions[i].pid != MyProcPid)
			found[nfound++] = autouser_shared->sessions[i].pid;
	LWLockRelease(autouser_shared->queue_lock);
	for (int i = 0; i < nfound; i++)
		accumArrayResult(pids, Int32GetDatum(found[i]), false, INT4OID, CurrentMemoryContext);
	values[0] = ObjectIdGetDatum(role);
	values[1] = makeArrayResult(pids, CurrentMemoryContext);
	autouser_owner_sql("SELECT pg_catalog.pg_terminate_backend(p, 5000)"
					   " FROM (SELECT pid FROM pg_catalog.pg_stat_activity"
					   "       WHERE usesysid = $1 AND pid <> pg_catalog.pg_backend_pid()"
					   "       UNION SELECT pg_catalog.unnest($2)) AS s(p)",
					   2, types, values, NULL);
}

static void
refuse_busy(const char *name, int sessions)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_IN_USE),
			 errmsg("role \"%s\" has %d active session(s)", name, sessions),
			 errhint("Use autouser.deactivate('%s', terminate => true) to end them first.", name)));
}

/* autouser.deactivate(role, terminate): deactivate a managed role now. */
Datum
autouser_deactivate(PG_FUNCTION_ARGS)
{
	char	   *name;
	Oid			role;
	int			counted;
	int			sessions;
	AutouserCleanupResult result;

	require_preload();
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("role must not be null")));
	name = pstrdup(NameStr(*PG_GETARG_NAME(0)));
	role = get_role_oid(name, true);
	if (!OidIsValid(role) || !autouser_role_is_managed(role, autouser_group_role_oid()))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("role \"%s\" is not managed by pg_autouser", name)));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pg_autouser: SPI_connect failed");
	sessions = autouser_role_sessions(role, 0, &counted);
	if (sessions > 0)
	{
		if (PG_ARGISNULL(1) || !PG_GETARG_BOOL(1))
			refuse_busy(name, sessions);
		terminate_sessions(role);
	}
	result = autouser_cleanup_role(name, 0, 0, AUTOUSER_CLEANUP_DEACTIVATE,
								   "autouser.deactivate()");
	if (result == AUTOUSER_CLEANUP_BUSY || result == AUTOUSER_CLEANUP_BUSY_UNCOUNTED)
		refuse_busy(name, autouser_role_sessions(role, 0, &counted));
	SPI_finish();
	PG_RETURN_BOOL(result == AUTOUSER_CLEANED);
}

/* autouser.sweep(): clean every idle managed role now. */
Datum
autouser_sweep_now(PG_FUNCTION_ARGS)
{
	int			cleaned;

	require_preload();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pg_autouser: SPI_connect failed");
	cleaned = autouser_sweep();
	SPI_finish();
	PG_RETURN_INT32(cleaned);
}
