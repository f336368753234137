/*
 * rule_funcs.c -- the functions that change autouser.rules for their caller:
 * add_rule (checked as _check_rule checks it) and drop_rule.  Each writes
 * the table with the extension owner's rights (run_as.c), so a delegate
 * granted EXECUTE on one of them gets exactly its effect: no right on the
 * table, no way past the checks, whatever its search_path or settings.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "core_bridge.h"
#include "plan.h"
#include "report.h"
#include "rule_options.h"
#include "rules_cache.h"
#include "run_as.h"
#include "shmem.h"

PG_FUNCTION_INFO_V1(autouser_check_rule);
PG_FUNCTION_INFO_V1(autouser_add_rule);
PG_FUNCTION_INFO_V1(autouser_drop_rule);

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

/*
 * Checks the first four arguments of _check_rule and add_rule (identity,
 * roles, database, cert_ou): raises 22023 with a whole sentence.
 */
static void
validate_rule(FunctionCallInfo fcinfo)
{
	ArrayType *roles;
	Datum     *elems;
	bool      *nulls;
	int        n;
	List      *literal = NIL;

	autouser_require_preload();
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
}

/* autouser._check_rule(identity, roles, database, cert_ou): raises 22023. */
Datum
autouser_check_rule(PG_FUNCTION_ARGS)
{
	validate_rule(fcinfo);
	PG_RETURN_VOID();
}

/*
 * autouser.add_rule(identity, roles, database, cert_ou, comment, options):
 * the rule checked as _check_rule checks it, then inserted (its options are
 * checked by the rules_check_options trigger, rule_options.c); returns its
 * id.
 */
Datum
autouser_add_rule(PG_FUNCTION_ARGS)
{
	Oid   types[6] = {TEXTOID, TEXTARRAYOID, TEXTOID,
					  TEXTOID, TEXTOID,      JSONBOID};
	Datum values[6];
	char  nulls[6];
	bool  isnull;
	int64 id;
	List *options;

	validate_rule(fcinfo);

	/*
	 * The options are checked here, as the caller: the rules_check_options
	 * trigger sees the extension owner that the INSERT runs as, and what a
	 * rule may give (search_path) depends on who writes it.
	 */
	if (PG_ARGISNULL(5))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("rule options must not be null"),
						errhint("Give '{}' for no options.")));
	(void) autouser_rule_options_read(PG_GETARG_JSONB_P(5), true, &options);
	for (int i = 0; i < 6; i++)
	{
		values[i] = PG_ARGISNULL(i) ? (Datum) 0 : PG_GETARG_DATUM(i);
		nulls[i] = PG_ARGISNULL(i) ? 'n' : ' ';
	}
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pg_autouser: SPI_connect failed");
	(void) autouser_sql(
		AUTOUSER_AS_OWNER,
		"INSERT INTO autouser.rules"
		" (identity, roles, database, cert_ou, comment, options)"
		" VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
		6, types, values, nulls, false);
	if (SPI_processed != 1)
		elog(ERROR, "pg_autouser: inserting a rule returned %llu rows",
			 (unsigned long long) SPI_processed);
	id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
									 SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	PG_RETURN_INT64(id);
}

/* autouser.drop_rule(id): whether a rule with that id was deleted. */
Datum
autouser_drop_rule(PG_FUNCTION_ARGS)
{
	Oid    types[1] = {INT8OID};
	Datum  values[1];
	uint64 deleted;

	if (PG_ARGISNULL(0))
		PG_RETURN_BOOL(false);
	values[0] = PG_GETARG_DATUM(0);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pg_autouser: SPI_connect failed");
	(void) autouser_sql(
		AUTOUSER_AS_OWNER,
		"DELETE FROM autouser.rules WHERE id OPERATOR(pg_catalog.=) $1", 1,
		types, values, NULL, false);
	deleted = SPI_processed;
	SPI_finish();
	PG_RETURN_BOOL(deleted > 0);
}
