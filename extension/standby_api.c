/*
 * standby_api.c -- what a primary offers its standbys (SPEC 10), as SQL
 * functions only pg_autouser.admin_role may call: provision an identity for
 * a login on a standby (handed to this primary's workers like any login,
 * decided from this primary's rules, with a lease for the standby), and
 * renew the leases of a standby's sessions.  The standby is trusted with an
 * identity, a database and certificate attributes, as a login would be, and
 * nothing else.  Also the names outcomes travel under, and this server's
 * node name.
 */
#include "postgres.h"

#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/pg_lsn.h"

#include "ask.h"
#include "core_bridge.h"
#include "guc.h"
#include "leases.h"
#include "primary_link.h"
#include "report.h"
#include "run_as.h"
#include "shmem.h"
#include "standby_api.h"

PG_FUNCTION_INFO_V1(autouser_provision_for_standby);
PG_FUNCTION_INFO_V1(autouser_renew_leases);
PG_FUNCTION_INFO_V1(autouser_standby_node_name);

static const char *const outcome_names[] = {"none",
											"admit",
											"create",
											"reactivate",
											"update",
											"reject_unmanaged",
											"reject_no_rule",
											"reject_role_missing",
											"reject_role_forbidden",
											"reject_role_invalid",
											"reject_set_changed",
											"reject_subject_unreadable",
											"reject_ambiguous_cn",
											"unavailable_no_workers",
											"unavailable_no_database",
											"unavailable_no_extension",
											"unavailable_standby",
											"unavailable_primary",
											"unavailable_lag",
											"unavailable_timeout",
											"unavailable_busy",
											"unavailable_failed"};

StaticAssertDecl(lengthof(outcome_names) == AUTOUSER_UNAVAILABLE_FAILED + 1,
				 "one name per outcome");

const char *
autouser_outcome_name(AutouserOutcome outcome)
{
	return outcome_names[outcome];
}

/* The outcome named name, or -1 when this server does not know it. */
int
autouser_outcome_by_name(const char *name)
{
	for (int i = 0; i < (int) lengthof(outcome_names); i++)
		if (strcmp(outcome_names[i], name) == 0)
			return i;
	return -1;
}

/* Only the role the standbys log in as: never a delegate, never PUBLIC. */
static void
require_admin_role(void)
{
	Oid admin = autouser_admin_role_oid(true);

	if (!OidIsValid(admin) || GetUserId() != admin)
		ereport(
			ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied to act for a pg_autouser standby"),
			 errdetail(
				 "Only the role named by pg_autouser.admin_role (or the bootstrap superuser when it is empty) may call this function.")));
	if (RecoveryInProgress())
		ereport(
			ERROR,
			(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
			 errmsg(
				 "this server is a standby and cannot act for another standby"),
			 errhint(
				 "Point pg_autouser.primary_conninfo at the primary, for example with target_session_attrs=read-write.")));
}

static char *
required_text(FunctionCallInfo fcinfo, int arg, const char *what)
{
	if (PG_ARGISNULL(arg))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("%s must not be null", what)));
	return text_to_cstring(PG_GETARG_TEXT_PP(arg));
}

static void
check_node(const char *node)
{
	if (node[0] == '\0' || strlen(node) >= AUTOUSER_NODE_BYTES)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("a standby's node name must have 1 to %d bytes",
							   AUTOUSER_NODE_BYTES - 1)));
}

/* attrs (name, value, name, value, ...) into the request's encoding. */
static void
encode_attrs(ArrayType *attrs, AutouserRequest *request)
{
	Datum *items;
	bool  *nulls;
	int    n;

	if (ARR_NDIM(attrs) > 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("attrs must be a one-dimensional array")));
	deconstruct_array(attrs, TEXTOID, -1, false, TYPALIGN_INT, &items, &nulls,
					  &n);
	if (n % 2 != 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("attrs must hold name and value pairs")));
	request->attrs_len = 0;
	for (int i = 0; i < n; i++)
	{
		char  *item;
		size_t len;

		if (nulls[i])
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("attrs must not hold nulls")));
		item = TextDatumGetCString(items[i]);
		len = strlen(item) + 1;
		if (request->attrs_len + len > AUTOUSER_ATTRS_BYTES)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("attrs must not exceed %d bytes",
								   AUTOUSER_ATTRS_BYTES)));
		memcpy(request->attrs + request->attrs_len, item, len);
		request->attrs_len += len;
	}
	request->subject = AUTOUSER_SUBJECT_OK;
}

/*
 * autouser._provision_for_standby(node, identity, database, attrs): what
 * the standby's login needs, decided and committed here.  Returns the
 * outcome, what a refusal names, the server-log detail, and an LSN the
 * standby must have replayed before it admits the login.
 */
Datum
autouser_provision_for_standby(PG_FUNCTION_ARGS)
{
	AutouserRequest *request = palloc0(sizeof(AutouserRequest));
	AutouserDecision answer;
	TupleDesc        desc;
	Datum            values[8];
	bool             nulls[8] = {false};
	char            *node;
	char            *identity;
	char            *database;
	char            *detail;
	XLogRecPtr       lsn;

	autouser_require_preload();
	require_admin_role();
	node = required_text(fcinfo, 0, "node");
	identity = required_text(fcinfo, 1, "identity");
	database = required_text(fcinfo, 2, "database");
	if (PG_ARGISNULL(3))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("attrs must not be null")));
	check_node(node);
	autouser_report_identity(
		ERROR, ERRCODE_INVALID_PARAMETER_VALUE,
		autouser_identity_problem(identity, strlen(identity)), identity);
	if (database[0] == '\0' || strlen(database) >= NAMEDATALEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("database name \"%s\" is not valid", database)));
	strlcpy(request->identity, identity, NAMEDATALEN);
	strlcpy(request->database, database, NAMEDATALEN);
	strlcpy(request->node, node, AUTOUSER_NODE_BYTES);
	encode_attrs(PG_GETARG_ARRAYTYPE_P(3), request);

	memset(&answer, 0, sizeof(answer));
	answer.outcome = autouser_workers_unreachable(false);
	if (answer.outcome == AUTOUSER_ADMIT)
		autouser_ask_workers(request, &answer);

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "pg_autouser: return type must be a row type");
	lsn = answer.commit_lsn != InvalidXLogRecPtr ? answer.commit_lsn
												 : GetXLogInsertRecPtr();
	detail = autouser_decision_detail(request, &answer);
	values[0] = CStringGetTextDatum(autouser_outcome_name(answer.outcome));
	values[1] = CStringGetTextDatum(answer.bad_role);
	values[2] = CStringGetTextDatum(answer.via_role);
	values[3] = Int32GetDatum(answer.reason);
	values[4] = Int64GetDatum(answer.rule_id);
	values[5] = Int32GetDatum(answer.other_sessions);
	values[6] = detail ? CStringGetTextDatum(detail) : (Datum) 0;
	nulls[6] = detail == NULL;
	values[7] = LSNGetDatum(lsn);
	PG_RETURN_DATUM(HeapTupleGetDatum(
		heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}

/*
 * autouser._renew_leases(node, sessions): the standby's sessions of managed
 * roles now; returns how many were recorded.
 */
Datum
autouser_renew_leases(PG_FUNCTION_ARGS)
{
	char  *node;
	Jsonb *sessions;
	int    renewed;

	autouser_require_preload();
	require_admin_role();
	node = required_text(fcinfo, 0, "node");
	check_node(node);
	if (PG_ARGISNULL(1))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("sessions must not be null")));
	sessions = PG_GETARG_JSONB_P(1);
	if (!JB_ROOT_IS_ARRAY(sessions) || JB_ROOT_IS_SCALAR(sessions))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("sessions must be a JSON array")));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pg_autouser: SPI_connect failed");
	renewed = autouser_leases_renew(node, sessions);
	SPI_finish();
	PG_RETURN_INT32(renewed);
}

/* autouser._node_name(): this server's node name while a standby, else NULL. */
Datum
autouser_standby_node_name(PG_FUNCTION_ARGS)
{
	char name[AUTOUSER_NODE_BYTES];

	if (!RecoveryInProgress())
		PG_RETURN_NULL();
	autouser_my_node_name(name);
	PG_RETURN_TEXT_P(cstring_to_text(name));
}
