/*
 * rules_cache.c -- reads autouser.rules (SPI, caller's transaction), publishes
 * the encoded blob in shared memory with the change count it reflects, and
 * evaluates logins against it in place.  Knows nothing of what the rules mean.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "core_bridge.h"
#include "plan.h"
#include "rules_cache.h"

static bool xact_callback_registered = false;
static bool rules_changed_in_xact = false;

bool
autouser_extension_exists(void)
{
	return OidIsValid(get_extension_oid("pg_autouser", true));
}

/*
 * A row written past add_rule's checks that the core cannot encode is left
 * out (and logged), so one bad row cannot take every other rule down.
 */
static bool
rule_is_usable(const AutouserRuleRow *row)
{
	const char *problem = NULL;
	bool		is_template;

	if (row->identity == NULL || row->database == NULL)
		problem = "a null pattern";
	else if (autouser_pattern_problem(row->identity) || autouser_pattern_problem(row->database))
		problem = "an invalid pattern";
	else if (row->cert_ou && autouser_pattern_problem(row->cert_ou))
		problem = "an invalid cert_ou";
	for (int r = 0; problem == NULL && r < row->nroles; r++)
		if (autouser_role_entry_problem(row->roles[r], &is_template))
			problem = "an invalid role entry";
	if (problem)
		ereport(LOG,
				(errmsg("pg_autouser ignores rule %lld: it has %s",
						(long long) row->id, problem)));
	return problem == NULL;
}

/* Enabled, usable rules in id order, encoded.  Caller is connected to SPI. */
char *
autouser_rules_read(Size *len)
{
	List	   *rows = NIL;
	int			ret;

	ret = SPI_execute("SELECT id, identity, database, cert_ou, roles"
					  " FROM autouser.rules WHERE enabled ORDER BY id",
					  true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "pg_autouser: reading autouser.rules failed: %s",
			 SPI_result_code_string(ret));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		AutouserRuleRow *row = palloc0(sizeof(AutouserRuleRow));
		bool		isnull;
		Datum		roles;

		row->id = DatumGetInt64(SPI_getbinval(tuple, desc, 1, &isnull));
		row->identity = SPI_getvalue(tuple, desc, 2);
		row->database = SPI_getvalue(tuple, desc, 3);
		row->cert_ou = SPI_getvalue(tuple, desc, 4);
		roles = SPI_getbinval(tuple, desc, 5, &isnull);
		if (!isnull)
		{
			Datum	   *elems;
			bool	   *nulls;
			int			n;

			deconstruct_array(DatumGetArrayTypeP(roles), TEXTOID, -1, false,
							  TYPALIGN_INT, &elems, &nulls, &n);
			row->roles = palloc0(sizeof(char *) * Max(n, 1));
			for (int r = 0; r < n; r++)
				if (!nulls[r])
					row->roles[row->nroles++] = TextDatumGetCString(elems[r]);
		}
		if (rule_is_usable(row))
			rows = lappend(rows, row);
	}
	return autouser_rules_encode(rows, len);
}

uint64
autouser_rules_change_count(void)
{
	return pg_atomic_read_u64(&autouser_shared->rules_change_count);
}

/*
 * Publish a blob that reflects every rule change counted up to change_count.
 * A publication older than the current one is dropped, so two workers
 * reloading at once cannot roll the rules back.
 */
void
autouser_rules_publish(AutouserRulesState state, const char *blob, Size len,
					   uint64 change_count)
{
	AutouserShared *sh = autouser_shared;

	if (state == AUTOUSER_RULES_LOADED && len > AUTOUSER_RULES_BYTES)
		state = AUTOUSER_RULES_TOO_BIG;
	LWLockAcquire(sh->rules_lock, LW_EXCLUSIVE);
	if (change_count >= sh->rules_loaded_count)
	{
		sh->rules_state = state;
		sh->rules_loaded_count = change_count;
		sh->rules_len = state == AUTOUSER_RULES_LOADED ? len : 0;
		if (state == AUTOUSER_RULES_LOADED)
			memcpy(autouser_rules_blob, blob, len);
	}
	LWLockRelease(sh->rules_lock);
}

/* What is published, and whether a rule change has committed since. */
AutouserRulesState
autouser_rules_published_state(bool *stale)
{
	AutouserShared *sh = autouser_shared;
	uint64		changes = autouser_rules_change_count();
	AutouserRulesState state;

	LWLockAcquire(sh->rules_lock, LW_SHARED);
	state = sh->rules_state;
	*stale = sh->rules_loaded_count != changes;
	LWLockRelease(sh->rules_lock);
	return state;
}

/*
 * Evaluates a login against the published rules where they lie, without
 * copying them: with thousands of rules a copy would fault in hundreds of
 * fresh pages in every new backend.  The rules lock is held shared for the
 * evaluation itself -- pure computation in the core, no palloc or ereport --
 * which is longer than the "copy only" rule for LWLocks elsewhere; other
 * logins share it, and only a republication waits.  Returns false when the
 * published rules cannot decide (not loaded, stale, too big): ask a worker.
 */
bool
autouser_rules_evaluate_published(const AutouserRequest *request, AutouserEval *eval,
								  AutouserRulesState *state)
{
	AutouserShared *sh = autouser_shared;
	AutouserEvalJob *job = autouser_eval_prepare(request->identity, request->database,
												 request->attrs, request->attrs_len);
	uint64		changes = autouser_rules_change_count();
	bool		usable;

	for (;;)
	{
		LWLockAcquire(sh->rules_lock, LW_SHARED);
		*state = sh->rules_state;
		usable = *state == AUTOUSER_RULES_LOADED && sh->rules_loaded_count == changes;
		if (usable)
			autouser_eval_run(job, autouser_rules_blob, sh->rules_len);
		else if (*state == AUTOUSER_RULES_NO_EXTENSION && sh->rules_loaded_count != changes)
			*state = AUTOUSER_RULES_UNKNOWN;	/* may have been created since */
		LWLockRelease(sh->rules_lock);
		if (!usable || autouser_eval_finish(job, eval))
			return usable;
	}
}

static void
rules_xact_callback(XactEvent event, void *arg)
{
	if (!rules_changed_in_xact)
		return;
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT)
	{
		/* Visible now: every copy older than this is stale. */
		pg_atomic_fetch_add_u64(&autouser_shared->rules_change_count, 1);
		rules_changed_in_xact = false;
		autouser_wake_workers();
	}
	else if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		rules_changed_in_xact = false;
}

/* The rules were edited in this transaction: count it at commit. */
void
autouser_rules_changed(void)
{
	if (autouser_shared == NULL)
		return;
	if (!xact_callback_registered)
	{
		RegisterXactCallback(rules_xact_callback, NULL);
		xact_callback_registered = true;
	}
	rules_changed_in_xact = true;
}
