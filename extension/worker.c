/*
 * worker.c -- the provisioning worker (bgw_type "pg_autouser worker"):
 * connects to pg_autouser.database, keeps the published rules fresh, and
 * answers login requests, each in its own transaction: lock the role name,
 * plan again from the committed catalogs, CREATE/ALTER/GRANT/REVOKE as
 * pg_autouser.admin_role, commit, then wake the login.  One failing request
 * is answered with a failure and never ends the worker.
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/ps_status.h"
#include "utils/snapmgr.h"

#include "admin_sql.h"
#include "events.h"
#include "guc.h"
#include "queue_worker.h"
#include "role_lock.h"
#include "rules_cache.h"
#include "worker.h"

#define AUTOUSER_RELOAD_MS 5000

static int	my_index = -1;
static bool my_connected = false;

/*
 * Consistent state, not recovery finished: on a hot standby the workers load
 * the rules (read-only) so that the fast path works there too.
 */
static void
register_worker(const char *function, const char *name, const char *type, int arg)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_ConsistentState;
	worker.bgw_restart_time = 1;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "pg_autouser");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "%s", function);
	snprintf(worker.bgw_name, BGW_MAXLEN, "%s", name);
	snprintf(worker.bgw_type, BGW_MAXLEN, "%s", type);
	worker.bgw_main_arg = Int32GetDatum(arg);
	RegisterBackgroundWorker(&worker);
}

void
autouser_worker_init(void)
{
	/* A worker that cannot register would leave logins waiting: refuse to start. */
	if (autouser_workers + 1 > max_worker_processes)
		ereport(ERROR,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("pg_autouser needs %d background workers but max_worker_processes is %d",
						autouser_workers + 1, max_worker_processes),
				 errhint("Raise max_worker_processes or lower pg_autouser.workers.")));

	for (int i = 0; i < autouser_workers; i++)
	{
		char		name[BGW_MAXLEN];

		snprintf(name, sizeof(name), "pg_autouser worker %d", i);
		register_worker("autouser_worker_main", name, "pg_autouser worker", i);
	}
	register_worker("autouser_cleanup_main", "pg_autouser cleanup", "pg_autouser cleanup", 0);
}

/* Any exit: unregister, hand back requests, and count a failed connect. */
static void
worker_exit(int code, Datum arg)
{
	AutouserShared *sh = autouser_shared;
	bool		first_failure = false;

	LWLockAcquire(sh->queue_lock, LW_EXCLUSIVE);
	sh->workers[my_index].pid = 0;
	sh->workers[my_index].connected = false;
	sh->workers[my_index].latch = NULL;
	if (!my_connected)
		first_failure = sh->connect_failures++ == 0;
	LWLockRelease(sh->queue_lock);
	autouser_queue_requeue_worker(my_index);
	if (first_failure)
		ereport(LOG,
				(errmsg("pg_autouser workers cannot connect to database \"%s\"; certificate logins are not provisioned",
						autouser_database),
				 errhint("Create database \"%s\" and the extension in it, or set pg_autouser.database.",
						 autouser_database)));
}

static void
ensure_group_role(void)
{
	if (OidIsValid(autouser_group_role_oid()))
		return;
	(void) autouser_lock_role("", ExclusiveLock, true);
	if (OidIsValid(autouser_group_role_oid()))
		return;
	autouser_admin_sql(psprintf("CREATE ROLE %s NOLOGIN", quote_identifier(autouser_group_role)));
	CommandCounterIncrement();
}

static char *
role_list(List *names)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, names)
		appendStringInfo(&buf, "%s%s", foreach_current_index(lc) ? ", " : "",
						 quote_identifier(lfirst(lc)));
	return buf.data;
}

/*
 * Carries out CREATE or REACTIVATE as the admin role, in the caller's
 * transaction; the caller holds the role's lock and commits.
 */
void
autouser_execute_plan(const char *identity, const AutouserPlan *plan)
{
	const char *role = quote_identifier(identity);
	ListCell   *lc;

	if (plan->action == AUTOUSER_ACTION_CREATE)
		autouser_admin_sql(psprintf("CREATE ROLE %s LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"
									" NOREPLICATION NOBYPASSRLS INHERIT IN ROLE %s",
									role, quote_identifier(autouser_group_role)));
	else if (plan->action == AUTOUSER_ACTION_REACTIVATE)
	{
		autouser_admin_sql(psprintf("ALTER ROLE %s LOGIN", role));
		foreach(lc, plan->revoke)
			autouser_admin_sql(psprintf("REVOKE %s FROM %s", quote_identifier(lfirst(lc)), role));
	}
	else
		elog(ERROR, "pg_autouser: action %d writes nothing", (int) plan->action);
	if (plan->grant != NIL)
		autouser_admin_sql(psprintf("GRANT %s TO %s", role_list(plan->grant), role));
}

/* Reload the published rules if a change is pending.  In a transaction. */
static AutouserRulesState
refresh_rules(bool force)
{
	uint64		changes = autouser_rules_change_count();
	bool		stale;
	AutouserRulesState state = autouser_rules_published_state(&stale);
	char	   *blob;
	Size		len;

	if (!force && !stale && state != AUTOUSER_RULES_UNKNOWN)
		return state;
	if (!autouser_extension_exists())
	{
		bool		log_it;

		autouser_rules_publish(AUTOUSER_RULES_NO_EXTENSION, NULL, 0, changes);
		LWLockAcquire(autouser_shared->rules_lock, LW_EXCLUSIVE);
		log_it = !autouser_shared->inert_logged;
		autouser_shared->inert_logged = true;
		LWLockRelease(autouser_shared->rules_lock);
		if (log_it)
			ereport(LOG,
					(errmsg("pg_autouser is inert: the extension is not created in database \"%s\"",
							autouser_database),
					 errhint("Run CREATE EXTENSION pg_autouser in database \"%s\".",
							 autouser_database)));
		return AUTOUSER_RULES_NO_EXTENSION;
	}
	blob = autouser_rules_read(&len);
	autouser_rules_publish(AUTOUSER_RULES_LOADED, blob, len, changes);
	if (!RecoveryInProgress())
		ensure_group_role();
	return len > AUTOUSER_RULES_BYTES ? AUTOUSER_RULES_TOO_BIG : AUTOUSER_RULES_LOADED;
}

/* One unit of work in its own transaction; an error is logged and copied. */
bool
autouser_run_in_transaction(autouser_worker_step step, void *arg, char *failure, size_t cap)
{
	MemoryContext outer = CurrentMemoryContext;
	volatile bool ok = true;

	PG_TRY();
	{
		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "pg_autouser: SPI_connect failed");
		PushActiveSnapshot(GetTransactionSnapshot());
		step(arg);
		PopActiveSnapshot();
		SPI_finish();
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(outer);
		edata = CopyErrorData();
		FlushErrorState();
		AbortCurrentTransaction();
		ereport(LOG,
				(errmsg("pg_autouser worker: %s", edata->message),
				 edata->detail ? errdetail_internal("%s", edata->detail) : 0));
		strlcpy(failure, edata->message, cap);
		FreeErrorData(edata);
		ok = false;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(outer);
	return ok;
}

static void
reload_step(void *arg)
{
	pgstat_report_activity(STATE_RUNNING, "pg_autouser: loading rules");
	refresh_rules(*(bool *) arg);
}

typedef struct ProvisionWork
{
	AutouserClaim *claim;
	pid_t		login_pid;		/* the (first) login this answers */
	AutouserAnswer answer;
} ProvisionWork;

static void
provision_step(void *arg)
{
	ProvisionWork *work = arg;
	AutouserRequest *request = &work->claim->request;
	AutouserAnswer *answer = &work->answer;
	AutouserRulesState state;
	AutouserEval eval;
	AutouserPlan plan;

	pgstat_report_activity(STATE_RUNNING, "pg_autouser: provisioning a login");
	(void) autouser_lock_role(request->identity, ExclusiveLock, true);
	state = refresh_rules(false);
	if (state == AUTOUSER_RULES_NO_EXTENSION)
	{
		answer->unavailable = AUTOUSER_UNAVAILABLE_NO_EXTENSION;
		return;
	}
	/* Same evaluation as the login's; rules too big to publish are read here. */
	if (!autouser_rules_evaluate_published(request, &eval, &state))
	{
		Size		len;
		char	   *blob = autouser_rules_read(&len);

		autouser_rules_evaluate(blob, len, request->identity, request->database,
								request->attrs, request->attrs_len, &eval);
	}
	autouser_plan_from_eval(request, &eval, &plan);
	if (plan.rules_broken)
	{
		answer->unavailable = AUTOUSER_UNAVAILABLE_FAILED;
		strlcpy(answer->detail, "The published rules could not be decoded.", sizeof(answer->detail));
		return;
	}
	answer->action = plan.action;
	if (plan.bad_role)
		strlcpy(answer->role, plan.bad_role, sizeof(answer->role));
	if (plan.detail)
		strlcpy(answer->detail, plan.detail, sizeof(answer->detail));
	if (plan.action == AUTOUSER_ACTION_NONE)
		return;
	if (RecoveryInProgress())
	{
		if (autouser_action_needs_write(plan.action))
			answer->unavailable = AUTOUSER_UNAVAILABLE_STANDBY;
		return;
	}
	if (!autouser_action_needs_write(plan.action) && plan.action != AUTOUSER_ACTION_ADMIT)
	{
		autouser_event_record(AUTOUSER_EVENT_REJECT, request->identity, NULL, request->database,
							  plan.eval.roles, plan.detail, work->login_pid);
		return;
	}
	if (plan.action != AUTOUSER_ACTION_ADMIT)
	{
		ensure_group_role();
		autouser_execute_plan(request->identity, &plan);
		autouser_event_record(plan.action == AUTOUSER_ACTION_CREATE
							  ? AUTOUSER_EVENT_CREATE : AUTOUSER_EVENT_REACTIVATE,
							  request->identity, request->identity, request->database,
							  plan.eval.roles, NULL, work->login_pid);
	}
	autouser_user_state_login(request->identity, plan.action == AUTOUSER_ACTION_CREATE);
	/* Counted before commit, under the role's lock: cleanup cannot undo it. */
	autouser_queue_count_claim(work->claim, get_role_oid(request->identity, false));
}

static void
serve_requests(MemoryContext loop_cxt)
{
	AutouserClaim claim;

	while (autouser_queue_claim(my_index, &claim) > 0)
	{
		ProvisionWork work;
		char		failure[AUTOUSER_DETAIL_BYTES];

		memset(&work, 0, sizeof(work));
		work.claim = &claim;
		work.login_pid = claim.login_pid;
		if (!autouser_run_in_transaction(provision_step, &work, failure, sizeof(failure)))
		{
			memset(&work.answer, 0, sizeof(work.answer));
			work.answer.unavailable = AUTOUSER_UNAVAILABLE_FAILED;
			strlcpy(work.answer.detail, failure, sizeof(work.answer.detail));
		}
		autouser_queue_answer(&claim, &work.answer);
		pgstat_report_activity(STATE_IDLE, NULL);
		MemoryContextReset(loop_cxt);
		CHECK_FOR_INTERRUPTS();
	}
}

void
autouser_worker_main(Datum arg)
{
	AutouserShared *sh;
	MemoryContext loop_cxt;
	int			failures;
	char		failure[AUTOUSER_DETAIL_BYTES];
	bool		force = true;

	my_index = DatumGetInt32(arg);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	sh = autouser_shared;
	before_shmem_exit(worker_exit, (Datum) 0);
	LWLockAcquire(sh->queue_lock, LW_EXCLUSIVE);
	sh->workers[my_index].pid = MyProcPid;
	sh->workers[my_index].latch = MyLatch;
	sh->workers[my_index].connected = false;
	failures = sh->connect_failures;
	LWLockRelease(sh->queue_lock);
	autouser_queue_requeue_worker(my_index);

	/*
	 * After failed connects (database missing), back off before the next try
	 * so the log is not flooded; the login side answers 57P03 meanwhile.
	 */
	if (failures > 0)
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 Min(failures, 12) * 5000L, PG_WAIT_EXTENSION);

	BackgroundWorkerInitializeConnection(autouser_database, NULL, 0);
	my_connected = true;
	LWLockAcquire(sh->queue_lock, LW_EXCLUSIVE);
	sh->workers[my_index].connected = true;
	sh->connect_failures = 0;
	LWLockRelease(sh->queue_lock);
	pgstat_report_appname("pg_autouser worker");

	loop_cxt = AllocSetContextCreate(TopMemoryContext, "pg_autouser worker",
									 ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(loop_cxt);

	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
			force = true;
		}
		if (force || autouser_rules_change_count() != sh->rules_loaded_count)
			(void) autouser_run_in_transaction(reload_step, &force, failure, sizeof(failure));
		force = false;
		MemoryContextReset(loop_cxt);
		serve_requests(loop_cxt);

		if (WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
					  AUTOUSER_RELOAD_MS, PG_WAIT_EXTENSION) & WL_TIMEOUT)
			force = true;		/* catches DROP EXTENSION and standby replay */
		ResetLatch(MyLatch);
	}
}
