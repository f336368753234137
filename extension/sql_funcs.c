/*
 * sql_funcs.c -- the C functions behind the autouser schema: install check,
 * rule validation for add_rule, the previews, the rules-changed trigger, session
 * counts, deactivate and sweep.  Each does exactly its own job with the
 * extension's rights where it needs them (run_as.c), whatever the caller's
 * search_path or settings.  Plain SQL in the install script does the rest.
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

#include "cert_attrs.h"
#include "cleanup.h"
#include "core_bridge.h"
#include "guc.h"
#include "managed.h"
#include "plan.h"
#include "report.h"
#include "role_ddl.h"
#include "role_options.h"
#include "rules_cache.h"
#include "role_lock.h"
#include "run_as.h"
#include "shmem.h"
#include "stats.h"
#include "terminate.h"
#include "workers.h"

PG_FUNCTION_INFO_V1(autouser_check_install);
PG_FUNCTION_INFO_V1(autouser_check_rule);
PG_FUNCTION_INFO_V1(autouser_preview);
PG_FUNCTION_INFO_V1(autouser_preview_options);
PG_FUNCTION_INFO_V1(autouser_rules_changed_trigger);
PG_FUNCTION_INFO_V1(autouser_session_count);
PG_FUNCTION_INFO_V1(autouser_deactivate);
PG_FUNCTION_INFO_V1(autouser_sweep_now);

/* How long deactivate(terminate => true) waits for each session to end. */
#define AUTOUSER_TERMINATE_WAIT_MS 5000

static void
require_preload(void)
{
	if (!autouser_shmem_ready())
		ereport(
			ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("pg_autouser must be loaded via shared_preload_libraries"),
			 errhint(
				 "Add pg_autouser to shared_preload_libraries in postgresql.conf and restart the server.")));
}

/*
 * Called first by the install script: refuse a setup that cannot work, and
 * create the group role (the one place besides provisioning that does).
 */
Datum
autouser_check_install(PG_FUNCTION_ARGS)
{
	char *current;

	require_preload();
	current = get_database_name(MyDatabaseId);
	if (strcmp(current, autouser_database) != 0)
		ereport(
			ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg(
				 "pg_autouser must be created in database \"%s\", not \"%s\"",
				 autouser_database, current),
			 errhint(
				 "Connect to database \"%s\", or set pg_autouser.database to this database and restart.",
				 autouser_database)));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pg_autouser: SPI_connect failed");
	autouser_ddl_ensure_group_role();
	SPI_finish();
	autouser_rules_changed();
	autouser_workers_retry_connect();
	PG_RETURN_VOID();
}

/* A pattern argument of add_rule: 22023 with a whole sentence per problem. */
static void
check_pattern(const char *what, text *pattern)
{
	char *value;

	if (pattern == NULL)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("the %s pattern must not be null", what)));
	value = text_to_cstring(pattern);
	switch (autouser_pattern_problem(value))
	{
		case AUTOUSER_PATTERN_OK:
			return;
		case AUTOUSER_PATTERN_EMPTY:
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("the %s pattern is empty", what)));
			break;
		case AUTOUSER_PATTERN_CONTROL_CHAR:
			ereport(
				ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the %s pattern \"%s\" contains control characters",
						what, value)));
			break;
		case AUTOUSER_PATTERN_BAD_UTF8:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the %s pattern is not valid UTF-8", what)));
			break;
		case AUTOUSER_PATTERN_TOO_LONG:
			ereport(
				ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg(
					 "the %s pattern \"%s\" is longer than 63 bytes besides '*'",
					 what, value)));
			break;
	}
}

static void
check_cert_ou(const char *ou)
{
	if (autouser_pattern_problem(ou) != AUTOUSER_PATTERN_OK)
		ereport(
			ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("cert_ou \"%s\" is not a valid organizational unit", ou),
			 errdetail(
				 "It must be 1 to 63 bytes of UTF-8 without control characters.")));
	if (strchr(ou, '*'))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cert_ou \"%s\" contains '*'", ou),
				 errdetail("cert_ou is matched exactly, not as a pattern.")));
}

/* Every literal role of a rule must exist and may be granted (SPEC 6). */
static void
check_literal_roles(List *names)
{
	AutouserRulesOwners owners;
	AutouserDecision    decision;

	if (names == NIL)
		return;
	autouser_rules_owners_now(&owners);
	autouser_plan_roles(names, &owners, &decision);
	if (decision.outcome == AUTOUSER_REJECT_ROLE_MISSING)
		ereport(
			ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("role \"%s\" does not exist", decision.bad_role),
			 errhint(
				 "Create the role first, or use a {{cert.<attribute>}} template.")));
	if (decision.outcome == AUTOUSER_REJECT_ROLE_FORBIDDEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("role \"%s\" may not be granted by pg_autouser",
						decision.bad_role),
				 errdetail("%s", autouser_forbidden_detail(&decision))));
	if (decision.outcome != AUTOUSER_CREATE)
		elog(ERROR, "pg_autouser: unexpected outcome %d checking rule roles",
			 (int) decision.outcome);
}

/* autouser._check_rule(identity, roles, database, cert_ou): raises 22023. */
Datum
autouser_check_rule(PG_FUNCTION_ARGS)
{
	ArrayType *roles;
	Datum     *elems;
	bool      *nulls;
	int        n;
	List      *literal = NIL;

	require_preload();
	check_pattern("identity", PG_ARGISNULL(0) ? NULL : PG_GETARG_TEXT_PP(0));
	check_pattern("database", PG_ARGISNULL(2) ? NULL : PG_GETARG_TEXT_PP(2));
	if (!PG_ARGISNULL(3))
		check_cert_ou(text_to_cstring(PG_GETARG_TEXT_PP(3)));
	if (PG_ARGISNULL(1))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("roles must not be null")));
	roles = PG_GETARG_ARRAYTYPE_P(1);
	if (ARR_NDIM(roles) > 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("roles must be a one-dimensional array")));
	deconstruct_array(roles, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls,
					  &n);
	if (n == 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("roles must not be empty")));
	for (int i = 0; i < n; i++)
	{
		char *entry;

		if (nulls[i])
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("roles must not contain nulls")));
		entry = TextDatumGetCString(elems[i]);
		switch (autouser_role_entry_kind(entry))
		{
			case AUTOUSER_ROLE_ENTRY_NAME:
				literal = lappend(literal, entry);
				break;
			case AUTOUSER_ROLE_ENTRY_TEMPLATE:
				break;
			case AUTOUSER_ROLE_ENTRY_INVALID:
				ereport(
					ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg(
						 "role entry \"%s\" is neither a role name nor a valid {{cert.<attribute>}} template",
						 entry)));
		}
	}
	check_literal_roles(literal);
	PG_RETURN_VOID();
}

/* The rules as this transaction sees them, copied out of SPI's memory. */
static char *
read_rules_here(Size *len)
{
	MemoryContext caller = CurrentMemoryContext;
	char         *blob;
	char         *copy;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pg_autouser: SPI_connect failed");
	blob = autouser_rules_read(AUTOUSER_AS_CALLER, true, len);
	copy = MemoryContextAlloc(caller, Max(*len, 1));
	memcpy(copy, blob, *len);
	SPI_finish();
	return copy;
}

/* Adds preview's attrs to request (plus CN = identity unless given). */
static void
preview_attrs(AutouserRequest *request, ArrayType *names_array,
			  ArrayType *values_array)
{
	Datum *names, *values;
	bool  *name_nulls, *value_nulls;
	int    n_names, n_values;
	bool   fits = true;
	int    cns = 0;

	deconstruct_array(names_array, TEXTOID, -1, false, TYPALIGN_INT, &names,
					  &name_nulls, &n_names);
	deconstruct_array(values_array, TEXTOID, -1, false, TYPALIGN_INT, &values,
					  &value_nulls, &n_values);
	for (int i = 0; i < Min(n_names, n_values) && fits; i++)
	{
		char *name = TextDatumGetCString(names[i]);

		if (name_nulls[i] || value_nulls[i])
			continue;
		cns += strcmp(name, "CN") == 0;
		fits = autouser_attrs_append(request->attrs, AUTOUSER_ATTRS_BYTES,
									 &request->attrs_len, name,
									 TextDatumGetCString(values[i]));
	}
	if (fits && cns == 0)
		fits = autouser_attrs_append(request->attrs, AUTOUSER_ATTRS_BYTES,
									 &request->attrs_len, "CN",
									 request->identity);
	if (!fits)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("attrs are longer than %d bytes",
							   AUTOUSER_ATTRS_BYTES)));
	request->subject =
		cns > 1 ? AUTOUSER_SUBJECT_AMBIGUOUS_CN : AUTOUSER_SUBJECT_OK;
}

/*
 * What a login would get now, for the preview functions' arguments
 * (identity, database, attr_names[], attr_values[]): false when no rule
 * applies; the login's refusal is raised as an ERROR (28000), a bad
 * argument as 22023.
 */
static bool
preview_login(FunctionCallInfo fcinfo, AutouserEval *eval)
{
	AutouserRequest     request;
	AutouserDecision    decision;
	AutouserRulesOwners owners;
	char               *identity;
	char               *database;
	char               *blob;
	Size                len;

	require_preload();
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) ||
		PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("identity, database and attrs must not be null")));
	identity = text_to_cstring(PG_GETARG_TEXT_PP(0));
	autouser_report_identity(
		ERROR, ERRCODE_INVALID_PARAMETER_VALUE,
		autouser_identity_problem(identity, strlen(identity)), identity);
	database = text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (strlen(database) >= NAMEDATALEN)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("database name \"%s\" is longer than 63 bytes",
							   database)));

	memset(&request, 0, sizeof(request));
	strlcpy(request.identity, identity, NAMEDATALEN);
	strlcpy(request.database, database, NAMEDATALEN);
	preview_attrs(&request, PG_GETARG_ARRAYTYPE_P(2),
				  PG_GETARG_ARRAYTYPE_P(3));

	blob = read_rules_here(&len);
	autouser_rules_evaluate(blob, len, request.identity, request.database,
							request.attrs, request.attrs_len, eval);
	if (eval->result == AUTOUSER_EVAL_BROKEN)
		elog(ERROR, "pg_autouser: the rules could not be decoded");
	autouser_rules_owners_now(&owners);
	autouser_plan(&request, eval, &owners, true, &decision, NULL);
	switch (decision.outcome)
	{
		case AUTOUSER_NONE:
			return false;
		case AUTOUSER_ADMIT:
		case AUTOUSER_CREATE:
		case AUTOUSER_REACTIVATE:
			break;
		default:
			autouser_report(ERROR, &request, &decision);
	}
	return true;
}

/*
 * autouser._preview(identity, database, attr_names[], attr_values[]): the
 * role set a login would get now, NULL when no rule applies.
 */
Datum
autouser_preview(PG_FUNCTION_ARGS)
{
	AutouserEval     eval;
	ArrayBuildState *out;
	ListCell        *lc;

	if (!preview_login(fcinfo, &eval))
		PG_RETURN_NULL();
	out = initArrayResult(TEXTOID, CurrentMemoryContext, false);
	foreach(lc, eval.roles)
		accumArrayResult(
			out, CStringGetTextDatum(((AutouserEvalRole *) lfirst(lc))->name),
			false, TEXTOID, CurrentMemoryContext);
	PG_RETURN_DATUM(makeArrayResult(out, CurrentMemoryContext));
}

/*
 * autouser._preview_options(identity, database, attr_names[],
 * attr_values[]): the options a login would get now (add_rule's keys, the
 * rules' values merged), NULL when no rule applies.
 */
Datum
autouser_preview_options(PG_FUNCTION_ARGS)
{
	AutouserEval eval;

	if (!preview_login(fcinfo, &eval))
		PG_RETURN_NULL();
	PG_RETURN_JSONB_P(autouser_role_options_jsonb(eval.options));
}

/* Statement trigger on autouser.rules: republish the rules at commit. */
Datum
autouser_rules_changed_trigger(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR,
			 "pg_autouser: rules-changed function called outside a trigger");
	autouser_rules_changed();
	return PointerGetDatum(NULL);
}

/* autouser._session_count(role oid): live sessions of a managed role. */
Datum
autouser_session_count(PG_FUNCTION_ARGS)
{
	int counted;

	require_preload();
	PG_RETURN_INT32(autouser_role_sessions(PG_GETARG_OID(0), 0, &counted));
}

static void
refuse_busy(const char *name, int sessions)
{
	ereport(
		ERROR,
		(errcode(ERRCODE_OBJECT_IN_USE),
		 errmsg("role \"%s\" has %d active session(s)", name, sessions),
		 errhint(
			 "Use autouser.deactivate(%s, terminate => true) to end them first.",
			 quote_literal_cstr(name))));
}

/* autouser.deactivate(role, terminate): deactivate a managed role now. */
Datum
autouser_deactivate(PG_FUNCTION_ARGS)
{
	char                 *name;
	Oid                   role;
	int                   counted;
	int                   sessions;
	AutouserCleanupResult result;

	require_preload();
	if (PG_ARGISNULL(0))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("role must not be null")));
	name = pstrdup(NameStr(*PG_GETARG_NAME(0)));
	role = get_role_oid(name, true);
	if (!OidIsValid(role) || autouser_role_is_exempt(role) ||
		!autouser_role_is_recorded(role))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("role \"%s\" is not managed by pg_autouser", name)));

	/*
	 * Hold the role from here on: no cleanup of the sessions ended below and
	 * no login of the role gets between the termination and our commit.
	 */
	(void) autouser_lock_role(name, ExclusiveLock, true);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pg_autouser: SPI_connect failed");
	sessions = autouser_role_sessions(role, 0, &counted);
	if (sessions > 0)
	{
		if (PG_ARGISNULL(1) || !PG_GETARG_BOOL(1))
			refuse_busy(name, sessions);
		(void) autouser_terminate_sessions(role, AUTOUSER_END_DEACTIVATE,
										   AUTOUSER_TERMINATE_WAIT_MS, 0);
	}
	result = autouser_cleanup_role(role, 0, 0, AUTOUSER_CLEANUP_DEACTIVATE,
								   true, "autouser.deactivate()");
	if (result == AUTOUSER_CLEANUP_BUSY ||
		result == AUTOUSER_CLEANUP_BUSY_UNCOUNTED)
		refuse_busy(name, autouser_role_sessions(role, 0, &counted));
	SPI_finish();
	PG_RETURN_BOOL(result == AUTOUSER_CLEANED);
}

/* autouser.sweep(): clean every idle managed role now. */
Datum
autouser_sweep_now(PG_FUNCTION_ARGS)
{
	int cleaned;

	require_preload();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pg_autouser: SPI_connect failed");
	cleaned = autouser_sweep(true);
	SPI_finish();
	PG_RETURN_INT32(cleaned);
}
