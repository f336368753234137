/*
 * sql_funcs.c -- the C functions behind the autouser schema: install check,
 * preview and the options a login would get, the rules-changed trigger,
 * session counts, deactivate and sweep (add_rule and drop_rule are in
 * rule_funcs.c).  Each does exactly its own job with the extension's rights
 * where it needs them (run_as.c), whatever the caller's search_path or
 * settings.  Plain SQL in the install script does the rest.
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
#include "utils/jsonb.h"

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
#include "schema_trust.h"
#include "shmem.h"
#include "stats.h"
#include "terminate.h"
#include "workers.h"

PG_FUNCTION_INFO_V1(autouser_check_install);
PG_FUNCTION_INFO_V1(autouser_preview);
PG_FUNCTION_INFO_V1(autouser_preview_jsonb);
PG_FUNCTION_INFO_V1(autouser_preview_options_jsonb);
PG_FUNCTION_INFO_V1(autouser_rules_changed_trigger);
PG_FUNCTION_INFO_V1(autouser_session_count);
PG_FUNCTION_INFO_V1(autouser_deactivate);
PG_FUNCTION_INFO_V1(autouser_sweep_now);

/* How long deactivate(terminate => true) waits for each session to end. */
#define AUTOUSER_TERMINATE_WAIT_MS 5000

/*
 * Called first by the install and update scripts: refuse a setup that
 * cannot work or a schema autouser that is not the extension's own
 * (schema_trust.c), and create the group role (the one place besides
 * provisioning that does).
 */
Datum
autouser_check_install(PG_FUNCTION_ARGS)
{
	char *current;

	autouser_require_preload();
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
	autouser_schema_check_install();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pg_autouser: SPI_connect failed");
	autouser_ddl_ensure_group_role();
	SPI_finish();
	if (autouser_group_role_is_privileged(autouser_group_role_oid()))
		ereport(
			ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg(
				 "pg_autouser.group_role \"%s\" must be a NOLOGIN role with no other attributes and no memberships",
				 autouser_group_role),
			 errhint(
				 "Every managed role is a member of it and would hold what it holds; name a dedicated group role.")));
	autouser_rules_changed();
	autouser_workers_retry_connect();
	PG_RETURN_VOID();
}

/*
 * The rules as this transaction sees them, read with the rights said below,
 * copied out of SPI's memory.
 */
static char *
read_rules_here(Size *len)
{
	MemoryContext caller = CurrentMemoryContext;
	char         *blob;
	char         *copy;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pg_autouser: SPI_connect failed");
	/*
	 * 1.1 reads with the owner's rights (EXECUTE on preview is all a
	 * delegate needs).  A 1.0 schema under this library, before ALTER
	 * EXTENSION UPDATE, kept 1.0's grants, which assumed the caller's
	 * rights: read as the caller there.
	 */
	blob = autouser_rules_read(
		autouser_rules_have_options() ? AUTOUSER_AS_OWNER : AUTOUSER_AS_CALLER,
		true, len);
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
	if (n_names != n_values)
		ereport(
			ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("attr_names and attr_values must have the same length")));
	for (int i = 0; i < n_names && fits; i++)
	{
		char *name;

		/* A null stands for no value; checked before anything is read. */
		if (name_nulls[i] || value_nulls[i])
			continue;
		name = TextDatumGetCString(names[i]);
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
 * What a login would get now for identity and database (arguments 0 and 1)
 * presenting attributes names[i] = values[i], into *eval: false when no rule
 * applies; the login's refusal is raised as an ERROR (28000), a bad argument
 * as 22023.
 */
static bool
preview_login(FunctionCallInfo fcinfo, ArrayType *names, ArrayType *values,
			  AutouserEval *eval)
{
	AutouserRequest     request;
	AutouserDecision    decision;
	AutouserRulesOwners owners;
	char               *identity;
	char               *database;
	char               *blob;
	Size                len;

	autouser_require_preload();
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || names == NULL || values == NULL)
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
	preview_attrs(&request, names, values);

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

/* The role set of eval, as text[]. */
static Datum
roles_array(const AutouserEval *eval)
{
	ArrayBuildState *out =
		initArrayResult(TEXTOID, CurrentMemoryContext, false);
	ListCell *lc;

	foreach(lc, eval->roles)
		accumArrayResult(
			out, CStringGetTextDatum(((AutouserEvalRole *) lfirst(lc))->name),
			false, TEXTOID, CurrentMemoryContext);
	return makeArrayResult(out, CurrentMemoryContext);
}

/*
 * autouser._preview(identity, database, attr_names[], attr_values[]): the
 * role set a login would get now, NULL when no rule applies.
 */
Datum
autouser_preview(PG_FUNCTION_ARGS)
{
	AutouserEval eval;

	if (!preview_login(
			fcinfo, PG_ARGISNULL(2) ? NULL : PG_GETARG_ARRAYTYPE_P(2),
			PG_ARGISNULL(3) ? NULL : PG_GETARG_ARRAYTYPE_P(3), &eval))
		PG_RETURN_NULL();
	return roles_array(&eval);
}

/*
 * Appends name and one JSON value, as text (as jsonb_array_elements_text
 * gives it: a string unquoted, anything else as JSON, null as NULL).
 */
static void
accum_attr(ArrayBuildState *names, ArrayBuildState *values,
		   const JsonbValue *key, JsonbValue *value)
{
	Datum datum = (Datum) 0;

	if (value->type == jbvString)
		datum = PointerGetDatum(cstring_to_text_with_len(
			value->val.string.val, value->val.string.len));
	else if (value->type != jbvNull)
		datum = CStringGetTextDatum(
			JsonbToCString(NULL, &JsonbValueToJsonb(value)->root, 0));
	accumArrayResult(names,
					 PointerGetDatum(cstring_to_text_with_len(
						 key->val.string.val, key->val.string.len)),
					 false, TEXTOID, CurrentMemoryContext);
	accumArrayResult(values, datum, value->type == jbvNull, TEXTOID,
					 CurrentMemoryContext);
}

/*
 * attrs as preview takes them, {"OU": ["eng", "ops"], "O": "Acme"} (a value
 * is a string or an array of them), as parallel arrays of names and values.
 */
static void
attrs_from_jsonb(Jsonb *attrs, ArrayType **names, ArrayType **values)
{
	ArrayBuildState *n = initArrayResult(TEXTOID, CurrentMemoryContext, false);
	ArrayBuildState *v = initArrayResult(TEXTOID, CurrentMemoryContext, false);
	JsonbIterator   *it;
	JsonbIteratorToken token;
	JsonbValue         key;
	JsonbValue         value;

	if (attrs != NULL && !JB_ROOT_IS_OBJECT(attrs))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("attrs must be a JSON object")));
	it = attrs != NULL ? JsonbIteratorInit(&attrs->root) : NULL;
	while (it != NULL &&
		   (token = JsonbIteratorNext(&it, &key, true)) != WJB_DONE)
	{
		JsonbIterator *elements;

		if (token != WJB_KEY)
			continue;
		(void) JsonbIteratorNext(&it, &value, true);
		if (value.type != jbvBinary ||
			!JsonContainerIsArray(value.val.binary.data))
		{
			accum_attr(n, v, &key, &value);
			continue;
		}
		elements = JsonbIteratorInit(value.val.binary.data);
		while ((token = JsonbIteratorNext(&elements, &value, true)) !=
			   WJB_DONE)
			if (token == WJB_ELEM)
				accum_attr(n, v, &key, &value);
	}
	*names = DatumGetArrayTypeP(makeArrayResult(n, CurrentMemoryContext));
	*values = DatumGetArrayTypeP(makeArrayResult(v, CurrentMemoryContext));
}

/* preview_login for (identity, database, attrs jsonb). */
static bool
preview_login_jsonb(FunctionCallInfo fcinfo, AutouserEval *eval)
{
	ArrayType *names;
	ArrayType *values;

	attrs_from_jsonb(PG_ARGISNULL(2) ? NULL : PG_GETARG_JSONB_P(2), &names,
					 &values);
	return preview_login(fcinfo, names, values, eval);
}

/*
 * autouser.preview(identity, database, attrs jsonb): what a login would
 * get now, read with the extension owner's rights, so that a delegate
 * granted EXECUTE on it needs no right on autouser.rules.
 */
Datum
autouser_preview_jsonb(PG_FUNCTION_ARGS)
{
	AutouserEval eval;

	if (!preview_login_jsonb(fcinfo, &eval))
		PG_RETURN_NULL();
	return roles_array(&eval);
}

/*
 * autouser.preview_options(identity, database, attrs jsonb): the options a
 * login would get now (add_rule's keys, the matching rules' values merged),
 * NULL when no rule applies; with the extension owner's rights, as preview.
 */
Datum
autouser_preview_options_jsonb(PG_FUNCTION_ARGS)
{
	AutouserEval eval;

	if (!preview_login_jsonb(fcinfo, &eval))
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

	autouser_require_preload();
	PG_RETURN_INT32(autouser_role_sessions(PG_GETARG_OID(0), 0, &counted));
}

static void
refuse_busy_on_standbys(const char *name)
{
	ereport(
		ERROR,
		(errcode(ERRCODE_OBJECT_IN_USE),
		 errmsg("role \"%s\" has active sessions on standby servers", name),
		 errhint(
			 "Use autouser.deactivate(%s, terminate => true); the standbys end them once they replay the change.",
			 quote_literal_cstr(name))));
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
	bool                  terminate;
	AutouserCleanupResult result;

	autouser_require_preload();
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
	terminate = !PG_ARGISNULL(1) && PG_GETARG_BOOL(1);
	sessions = autouser_role_sessions(role, 0, &counted);
	if (sessions > 0)
	{
		if (!terminate)
			refuse_busy(name, sessions);
		(void) autouser_terminate_sessions(role, AUTOUSER_END_DEACTIVATE,
										   AUTOUSER_TERMINATE_WAIT_MS, 0);
	}
	result = autouser_cleanup_role(role, 0, 0, AUTOUSER_CLEANUP_DEACTIVATE,
								   true, terminate, "autouser.deactivate()");
	if (result == AUTOUSER_CLEANUP_BUSY ||
		result == AUTOUSER_CLEANUP_BUSY_UNCOUNTED)
		refuse_busy(name, autouser_role_sessions(role, 0, &counted));
	if (result == AUTOUSER_CLEANUP_BUSY_STANDBY)
		refuse_busy_on_standbys(name);
	SPI_finish();
	PG_RETURN_BOOL(result == AUTOUSER_CLEANED);
}

/* autouser.sweep(): clean every idle managed role now. */
Datum
autouser_sweep_now(PG_FUNCTION_ARGS)
{
	int cleaned;

	autouser_require_preload();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pg_autouser: SPI_connect failed");
	cleaned = autouser_sweep(true);
	SPI_finish();
	PG_RETURN_INT32(cleaned);
}
