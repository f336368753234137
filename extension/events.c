/*
 * events.c -- writes autouser.events and autouser.user_state (caller in a
 * transaction, connected to SPI), and owns the shared-memory ring where the
 * login hook queues what it cannot write: rejections decided without a
 * worker and fast-path logins.  The ring drops its oldest entry when full
 * and counts the loss.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "admin_sql.h"
#include "events.h"
#include "guc.h"
#include "queue.h"

static const char *const action_names[] = {
	"create", "reactivate", "deactivate", "drop", "reject", "sweep", "login"
};

void
autouser_event_queue(AutouserEventAction action, const char *identity,
					 const char *database, const char *detail)
{
	AutouserShared *sh = autouser_shared;
	AutouserQueuedEvent *ev;
	Latch	   *latch;

	LWLockAcquire(sh->events_lock, LW_EXCLUSIVE);
	ev = &sh->events[sh->event_head];
	sh->event_head = (sh->event_head + 1) % AUTOUSER_EVENT_RING;
	if (sh->event_count == AUTOUSER_EVENT_RING)
		sh->events_dropped++;
	else
		sh->event_count++;
	ev->at = GetCurrentTimestamp();
	ev->action = action;
	ev->pid = MyProcPid;
	strlcpy(ev->identity, identity ? identity : "", NAMEDATALEN);
	strlcpy(ev->database, database ? database : "", NAMEDATALEN);
	strlcpy(ev->detail, detail ? detail : "", AUTOUSER_DETAIL_BYTES);
	LWLockRelease(sh->events_lock);

	/*
	 * A refusal is written promptly; a fast-path login only moves last_login
	 * and waits for the worker's next wake-up, so a busy fast path does not
	 * wake it once per login.
	 */
	if (action == AUTOUSER_EVENT_LOGIN)
		return;
	LWLockAcquire(sh->queue_lock, LW_SHARED);
	latch = sh->cleanup_worker.latch;
	LWLockRelease(sh->queue_lock);
	if (latch)
		SetLatch(latch);
}

static Datum
text_array(List *names)
{
	ArrayBuildState *state = initArrayResult(TEXTOID, CurrentMemoryContext, false);
	ListCell   *lc;

	foreach(lc, names)
		accumArrayResult(state, CStringGetTextDatum(lfirst(lc)), false, TEXTOID,
						 CurrentMemoryContext);
	return makeArrayResult(state, CurrentMemoryContext);
}

static void
insert_event(TimestampTz at, AutouserEventAction action, const char *identity,
			 const char *role, const char *database, List *roles, const char *detail, int pid)
{
	Oid			types[8] = {TIMESTAMPTZOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTARRAYOID,
	TEXTOID, INT4OID};
	Datum		values[8];
	char		nulls[8] = "        ";

	values[0] = TimestampTzGetDatum(at);
	values[1] = identity ? CStringGetTextDatum(identity) : (Datum) 0;
	values[2] = role ? CStringGetTextDatum(role) : (Datum) 0;
	values[3] = database ? CStringGetTextDatum(database) : (Datum) 0;
	values[4] = CStringGetTextDatum(action_names[action]);
	values[5] = roles ? text_array(roles) : (Datum) 0;
	values[6] = detail ? CStringGetTextDatum(detail) : (Datum) 0;
	values[7] = Int32GetDatum(pid);
	nulls[1] = identity ? ' ' : 'n';
	nulls[2] = role ? ' ' : 'n';
	nulls[3] = database ? ' ' : 'n';
	nulls[5] = roles ? ' ' : 'n';
	nulls[6] = detail ? ' ' : 'n';
	autouser_owner_sql("INSERT INTO autouser.events (at, identity, role, database, action, roles, detail, pid)"
					   " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
					   8, types, values, nulls);
}

/* An event in the caller's transaction: it commits with the change. */
void
autouser_event_record(AutouserEventAction action, const char *identity,
					  const char *role, const char *database, List *roles,
					  const char *detail, int pid)
{
	insert_event(GetCurrentTimestamp(), action, identity, role, database, roles, detail, pid);
}

static void
user_state_sql(const char *sql, const char *role, TimestampTz at)
{
	Oid			types[2] = {TEXTOID, TIMESTAMPTZOID};
	Datum		values[2];

	values[0] = CStringGetTextDatum(role);
	values[1] = TimestampTzGetDatum(at);
	autouser_owner_sql(sql, 2, types, values, NULL);
}

void
autouser_user_state_login(const char *role, bool created)
{
	if (created)
		user_state_sql("INSERT INTO autouser.user_state AS s (role, created_at, last_login)"
					   " VALUES ($1, $2, $2) ON CONFLICT (role) DO UPDATE"
					   " SET created_at = $2, last_login = $2, last_logout = NULL",
					   role, GetCurrentTimestamp());
	else
		user_state_sql("INSERT INTO autouser.user_state AS s (role, last_login)"
					   " VALUES ($1, $2) ON CONFLICT (role) DO UPDATE"
					   " SET last_login = GREATEST(s.last_login, $2)",
					   role, GetCurrentTimestamp());
}

void
autouser_user_state_logout(const char *role, TimestampTz ended_at)
{
	user_state_sql("INSERT INTO autouser.user_state AS s (role, last_logout)"
				   " VALUES ($1, $2) ON CONFLICT (role) DO UPDATE"
				   " SET last_logout = GREATEST(s.last_logout, $2)",
				   role, ended_at);
}

void
autouser_user_state_forget(const char *role)
{
	user_state_sql("DELETE FROM autouser.user_state WHERE role = $1 AND $2 IS NOT NULL",
				   role, GetCurrentTimestamp());
}

/* Writes what logins queued; returns how many entries were taken. */
int
autouser_events_drain(void)
{
	AutouserShared *sh = autouser_shared;
	AutouserQueuedEvent *batch;
	int			n;
	uint64		dropped;

	batch = palloc(sizeof(AutouserQueuedEvent) * AUTOUSER_EVENT_RING);
	LWLockAcquire(sh->events_lock, LW_EXCLUSIVE);
	n = sh->event_count;
	for (int i = 0; i < n; i++)
	{
		int			at = (sh->event_head - n + i + AUTOUSER_EVENT_RING) % AUTOUSER_EVENT_RING;

		batch[i] = sh->events[at];
	}
	sh->event_count = 0;
	dropped = sh->events_dropped;
	sh->events_dropped = 0;
	LWLockRelease(sh->events_lock);

	if (dropped > 0)
		ereport(LOG,
				(errmsg("pg_autouser dropped %llu queued events: the queue was full",
						(unsigned long long) dropped)));
	for (int i = 0; i < n; i++)
	{
		AutouserQueuedEvent *ev = &batch[i];

		if (ev->action == AUTOUSER_EVENT_LOGIN)
			user_state_sql("UPDATE autouser.user_state SET last_login = GREATEST(last_login, $2)"
						   " WHERE role = $1", ev->identity, ev->at);
		else
			insert_event(ev->at, ev->action, ev->identity, NULL, ev->database, NULL,
						 ev->detail, ev->pid);
	}
	return n;
}

/* Deletes events older than pg_autouser.event_retention (0 = keep all). */
int
autouser_events_purge(void)
{
	Oid			types[1] = {INT4OID};
	Datum		values[1];

	if (autouser_event_retention <= 0)
		return 0;
	values[0] = Int32GetDatum(autouser_event_retention);
	autouser_owner_sql("DELETE FROM autouser.events"
					   " WHERE at < pg_catalog.now() - pg_catalog.make_interval(mins => $1)",
					   1, types, values, NULL);
	return (int) SPI_processed;
}
