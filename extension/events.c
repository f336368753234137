/*
 * events.c -- writes autouser.events and autouser.user_state (caller in a
 * transaction, connected to SPI, through run_as.c), and owns the queue in
 * shared memory for what is written later by a worker: fast-path logins
 * (merged per role: only last_login moves) and refusals (coalesced per
 * identity: at most one row a minute, the next one saying how many more
 * there were).  The queue is a hash table, so a busy identity takes one
 * entry however often it logs in; it is drained by the cleanup worker, or by
 * any worker once it is half full or the cleanup worker is busy.  What does
 * not fit is counted and logged, never silently dropped.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/shmem.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"

#include "events.h"
#include "guc.h"
#include "login.h"
#include "rules_cache.h"
#include "run_as.h"
#include "shmem.h"
#include "stats.h"
#include "workers.h"

#define AUTOUSER_EVENT_QUEUE_SIZE 4096
#define AUTOUSER_EVENT_BATCH      256
#define AUTOUSER_REJECT_WINDOW_MS 60000
/* A provisioning worker drains when the cleanup worker left events this long. */
#define AUTOUSER_DRAIN_LAG_MS 1000

static const char *const action_names[] = {
	"create", "reactivate", "deactivate", "drop", "reject",
	"sweep",  "update",     "terminate",  "login"};

typedef struct AutouserEventKey
{
	int   action; /* AUTOUSER_EVENT_LOGIN, _REJECT or _TERMINATE */
	char  identity[NAMEDATALEN];
	pid_t pid; /* TERMINATE: the session's; 0 (merged) otherwise */
} AutouserEventKey;

typedef struct AutouserQueuedEvent
{
	AutouserEventKey key;     /* hash key: must be first */
	int              pending; /* occurrences not yet written */
	TimestampTz      last_at; /* the latest occurrence */
	TimestampTz window_start; /* REJECT: when the last row was written, or 0 */
	pid_t       pid;          /* of the latest occurrence */
	char        database[NAMEDATALEN];
	char        detail[AUTOUSER_DETAIL_BYTES];
	AutouserCert cert; /* LOGIN: the certificate it presented */
} AutouserQueuedEvent;

typedef struct AutouserEventQueue
{
	TimestampTz last_drain_at;
	uint64      dropped; /* occurrences that found the queue full */
} AutouserEventQueue;

/* A row to write, taken out of the queue. */
typedef struct AutouserEventRow
{
	AutouserQueuedEvent event;
	int  repeats;   /* REJECT: occurrences folded into this row beyond one */
	bool continued; /* REJECT: a window's count, not its first row */
} AutouserEventRow;

static AutouserEventQueue *control = NULL;
static HTAB               *queued = NULL;

Size
autouser_events_shmem_size(void)
{
	return add_size(MAXALIGN(sizeof(AutouserEventQueue)),
					hash_estimate_size(AUTOUSER_EVENT_QUEUE_SIZE,
									   sizeof(AutouserQueuedEvent)));
}

void
autouser_events_shmem_startup(void)
{
	bool    found;
	HASHCTL info;

	control = ShmemInitStruct("pg_autouser event queue",
							  sizeof(AutouserEventQueue), &found);
	if (!found)
		memset(control, 0, sizeof(AutouserEventQueue));
	info.keysize = sizeof(AutouserEventKey);
	info.entrysize = sizeof(AutouserQueuedEvent);
	queued = ShmemInitHash(
		"pg_autouser queued events", AUTOUSER_EVENT_QUEUE_SIZE,
		AUTOUSER_EVENT_QUEUE_SIZE, &info, HASH_ELEM | HASH_BLOBS);
}

/*
 * The queue is full: forget one refusal already written, kept only to fold
 * that identity's next refusals into one row a minute.  Its next refusal
 * gets a row of its own instead -- better than no row for someone else.
 */
static bool
evict_written_entry(void)
{
	HASH_SEQ_STATUS      seq;
	AutouserQueuedEvent *ev;

	hash_seq_init(&seq, queued);
	while ((ev = hash_seq_search(&seq)) != NULL)
		if (ev->pending == 0)
		{
			hash_seq_term(&seq);
			hash_search(queued, &ev->key, HASH_REMOVE, NULL);
			return true;
		}
	return false;
}

/*
 * Queue a fast-path login, a refusal or an ended session.  Never fails and
 * never allocates: the login hook and exiting backends call it.
 */
void
autouser_event_queue(AutouserEventAction action, const char *identity,
					 const char *database, const char *detail,
					 const AutouserCert *cert)
{
	AutouserEventKey     key;
	AutouserQueuedEvent *ev;
	bool                 found;
	long                 entries;

	Assert(action == AUTOUSER_EVENT_LOGIN || action == AUTOUSER_EVENT_REJECT ||
		   action == AUTOUSER_EVENT_TERMINATE);
	memset(&key, 0, sizeof(key));
	key.action = action;
	strlcpy(key.identity, identity, NAMEDATALEN);
	if (action == AUTOUSER_EVENT_TERMINATE)
		key.pid = MyProcPid;

	autouser_lock(AUTOUSER_LOCK_EVENTS, LW_EXCLUSIVE);
	/*
	 * A shared hash grows into spare shared memory, which the lock table
	 * needs: the size it was made for is a hard bound here.
	 */
	ev = hash_search(queued, &key, HASH_FIND, &found);
	if (ev == NULL &&
		(hash_get_num_entries(queued) < AUTOUSER_EVENT_QUEUE_SIZE ||
		 evict_written_entry()))
		ev = hash_search(queued, &key, HASH_ENTER_NULL, &found);
	if (ev == NULL)
	{
		control->dropped++;
		autouser_stats_count(AUTOUSER_STAT_EVENTS_DROPPED, 1);
	}
	else
	{
		if (!found)
		{
			ev->pending = 0;
			ev->window_start = 0;
		}
		ev->pending++;
		ev->last_at = GetCurrentTimestamp();
		ev->pid = MyProcPid;
		strlcpy(ev->database, database ? database : "", NAMEDATALEN);
		strlcpy(ev->detail, detail ? detail : "", AUTOUSER_DETAIL_BYTES);
		if (cert)
			ev->cert = *cert;
		else
			memset(&ev->cert, 0, sizeof(AutouserCert));
	}
	entries = hash_get_num_entries(queued);
	autouser_unlock(AUTOUSER_LOCK_EVENTS);

	/*
	 * A refusal is written promptly; a fast-path login only moves last_login
	 * and waits for the next drain, so a busy fast path wakes nobody.  A
	 * queue half full wakes every worker: any of them drains it.
	 */
	if (entries > AUTOUSER_EVENT_QUEUE_SIZE / 2)
		autouser_wake_all_workers();
	else if (action != AUTOUSER_EVENT_LOGIN && (ev == NULL || !found))
		autouser_wake_cleanup();
}

/*
 * Whether this worker should drain now: the cleanup worker whenever a row is
 * due, the others only when the queue is half full or the cleanup worker has
 * not drained for a while.  *next_due: when the next coalesced row is due.
 */
bool
autouser_events_drain_due(bool cleanup_worker, TimestampTz *next_due)
{
	TimestampTz          now = GetCurrentTimestamp();
	HASH_SEQ_STATUS      seq;
	AutouserQueuedEvent *ev;
	bool                 due = false;
	bool                 lagging;
	long                 entries;

	*next_due = 0;
	autouser_lock(AUTOUSER_LOCK_EVENTS, LW_SHARED);
	entries = hash_get_num_entries(queued);
	lagging = TimestampDifferenceExceeds(control->last_drain_at, now,
										 AUTOUSER_DRAIN_LAG_MS);
	if (control->dropped > 0)
		due = true;
	hash_seq_init(&seq, queued);
	while ((ev = hash_seq_search(&seq)) != NULL)
	{
		TimestampTz window_end = TimestampTzPlusMilliseconds(
			ev->window_start, AUTOUSER_REJECT_WINDOW_MS);

		if (ev->window_start == 0 ? ev->pending > 0 : window_end <= now)
			due = true;
		else if (*next_due == 0 || window_end < *next_due)
			*next_due = window_end;
	}
	autouser_unlock(AUTOUSER_LOCK_EVENTS);
	if (!cleanup_worker)
		due = entries > AUTOUSER_EVENT_QUEUE_SIZE / 2 || (due && lagging);
	return due;
}

/*
 * Under the events lock: what of ev is due as a row now, and the entry's new
 * state.  Returns false if nothing is written (the entry may be removed).
 */
static bool
take_row(AutouserQueuedEvent *ev, TimestampTz now, AutouserEventRow *row,
		 bool *remove)
{
	*remove = false;
	row->event = *ev;
	row->repeats = 0;
	row->continued = false;
	if (ev->key.action != AUTOUSER_EVENT_REJECT)
	{
		/* A login moves last_login once; an ended session is one row. */
		*remove = true;
		return ev->pending > 0;
	}
	if (ev->window_start == 0)
	{
		/* The first refusal of a window: written at once. */
		row->repeats = ev->pending - 1;
		ev->window_start = now;
		ev->pending = 0;
		return true;
	}
	if (!TimestampDifferenceExceeds(ev->window_start, now,
									AUTOUSER_REJECT_WINDOW_MS))
		return false;
	if (ev->pending == 0)
	{
		*remove = true;
		return false;
	}
	/* The window ended with repeats: one row counts them, and a new window starts. */
	row->repeats = ev->pending;
	row->continued = true;
	ev->window_start = now;
	ev->pending = 0;
	return true;
}

/* Under the events lock: give rows that could not be written back to the queue. */
static void
requeue_rows(const AutouserEventRow *rows, int n)
{
	for (int i = 0; i < n; i++)
	{
		bool                 found;
		AutouserQueuedEvent *ev =
			hash_search(queued, &rows[i].event.key, HASH_ENTER_NULL, &found);

		if (ev == NULL)
		{
			control->dropped += 1 + rows[i].repeats;
			autouser_stats_count(AUTOUSER_STAT_EVENTS_DROPPED,
								 1 + rows[i].repeats);
			continue;
		}
		if (!found)
		{
			*ev = rows[i].event;
			ev->pending = 0;
		}
		ev->pending +=
			rows[i].continued ? rows[i].repeats : 1 + rows[i].repeats;
		if (!rows[i].continued)
			ev->window_start = 0;
	}
}

static Datum
text_array(List *names)
{
	ArrayBuildState *state =
		initArrayResult(TEXTOID, CurrentMemoryContext, false);
	ListCell *lc;

	foreach(lc, names)
		accumArrayResult(state, CStringGetTextDatum(lfirst(lc)), false,
						 TEXTOID, CurrentMemoryContext);
	return makeArrayResult(state, CurrentMemoryContext);
}

static void
insert_event(TimestampTz at, AutouserEventAction action, const char *identity,
			 const char *role, const char *database, List *roles,
			 const char *detail, int pid)
{
	Oid   types[8] = {TIMESTAMPTZOID, TEXTOID,      TEXTOID, TEXTOID,
					  TEXTOID,        TEXTARRAYOID, TEXTOID, INT4OID};
	Datum values[8];
	char  nulls[8];

	memset(nulls, ' ', sizeof(nulls));
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
	/* Without the extension (dropped, or its database gone) there is no trail. */
	if (!autouser_extension_exists())
		return;
	if ((action == AUTOUSER_EVENT_UPDATE ||
		 action == AUTOUSER_EVENT_TERMINATE) &&
		!autouser_schema_is_current())
		return; /* 1.0 has no such events */
	(void) autouser_sql(
		AUTOUSER_AS_OWNER,
		"INSERT INTO autouser.events (at, identity, role, database, action, roles, detail, pid)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
		8, types, values, nulls, false);
}

/* An event in the caller's transaction: it commits with the change. */
void
autouser_event_record(AutouserEventAction action, const char *identity,
					  const char *role, const char *database, List *roles,
					  const char *detail, int pid)
{
	insert_event(GetCurrentTimestamp(), action, identity, role, database,
				 roles, detail, pid);
}

static void
user_state_sql(const char *sql, const char *role, TimestampTz at)
{
	Oid   types[2] = {TEXTOID, TIMESTAMPTZOID};
	Datum values[2];

	values[0] = CStringGetTextDatum(role);
	values[1] = TimestampTzGetDatum(at);
	if (!autouser_extension_exists())
		return;
	(void) autouser_sql(AUTOUSER_AS_OWNER, sql, 2, types, values, NULL, false);
}

/* In user_state: role logged in (was created) now, presenting cert. */
void
autouser_user_state_login(const char *role, bool created,
						  const AutouserCert *cert, TimestampTz at)
{
	Oid   types[6] = {TEXTOID, TIMESTAMPTZOID, BOOLOID,
					  TEXTOID, TEXTOID,        TIMESTAMPTZOID};
	Datum values[6];
	char  nulls[6];

	memset(nulls, ' ', sizeof(nulls));
	if (!autouser_extension_exists())
		return;
	if (!autouser_schema_is_current())
	{
		user_state_sql(
			created
				? "INSERT INTO autouser.user_state AS s (role, created_at, last_login)"
				  " VALUES ($1, $2, $2) ON CONFLICT (role) DO UPDATE"
				  " SET created_at = $2, last_logout = NULL,"
				  " last_login = GREATEST(s.last_login, $2)"
				: "INSERT INTO autouser.user_state AS s (role, last_login)"
				  " VALUES ($1, $2) ON CONFLICT (role) DO UPDATE"
				  " SET last_login = GREATEST(s.last_login, $2)",
			role, at);
		return;
	}
	values[0] = CStringGetTextDatum(role);
	values[1] = TimestampTzGetDatum(at);
	values[2] = BoolGetDatum(created);
	values[3] = CStringGetTextDatum(cert->issuer);
	values[4] = CStringGetTextDatum(cert->serial);
	values[5] = TimestampTzGetDatum(cert->not_after);
	nulls[3] = cert->issuer[0] ? ' ' : 'n';
	nulls[4] = cert->serial[0] ? ' ' : 'n';
	nulls[5] = cert->not_after != 0 ? ' ' : 'n';
	(void) autouser_sql(
		AUTOUSER_AS_OWNER,
		"INSERT INTO autouser.user_state AS s"
		" (role, created_at, last_login, cert_issuer, cert_serial, cert_not_after)"
		" VALUES ($1, CASE WHEN $3 THEN $2 END, $2, $4, $5, $6)"
		" ON CONFLICT (role) DO UPDATE SET"
		" created_at = CASE WHEN $3 THEN $2 ELSE s.created_at END,"
		" last_logout = CASE WHEN $3 THEN NULL ELSE s.last_logout END,"
		" last_login = GREATEST(s.last_login, $2),"
		" cert_issuer = CASE WHEN s.last_login IS NULL OR s.last_login OPERATOR(pg_catalog.<=) $2"
		"   THEN $4 ELSE s.cert_issuer END,"
		" cert_serial = CASE WHEN s.last_login IS NULL OR s.last_login OPERATOR(pg_catalog.<=) $2"
		"   THEN $5 ELSE s.cert_serial END,"
		" cert_not_after = CASE WHEN s.last_login IS NULL OR s.last_login OPERATOR(pg_catalog.<=) $2"
		"   THEN $6 ELSE s.cert_not_after END",
		6, types, values, nulls, false);
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
	user_state_sql("DELETE FROM autouser.user_state"
				   " WHERE role OPERATOR(pg_catalog.=) $1 AND $2 IS NOT NULL",
				   role, GetCurrentTimestamp());
}

static void
write_row(const AutouserEventRow *row)
{
	const AutouserQueuedEvent *ev = &row->event;
	char                      *detail;

	if (ev->key.action == AUTOUSER_EVENT_LOGIN)
	{
		autouser_user_state_login(ev->key.identity, false, &ev->cert,
								  ev->last_at);
		return;
	}
	if (row->repeats == 0)
		detail = pstrdup(ev->detail);
	else
		detail = psprintf("%s (%d more in the last minute)", ev->detail,
						  row->repeats);
	insert_event(ev->last_at, ev->key.action, ev->key.identity,
				 ev->key.action == AUTOUSER_EVENT_TERMINATE ? ev->key.identity
															: NULL,
				 ev->database[0] ? ev->database : NULL, NULL, detail, ev->pid);
}

/*
 * Writes what is due; returns how many rows.  Caller is in a transaction,
 * connected to SPI.  If writing fails, the rows go back to the queue before
 * the error propagates.
 */
int
autouser_events_drain(void)
{
	AutouserEventRow *rows =
		palloc(sizeof(AutouserEventRow) * AUTOUSER_EVENT_BATCH);
	int total = 0;

	for (;;)
	{
		TimestampTz          now = GetCurrentTimestamp();
		HASH_SEQ_STATUS      seq;
		AutouserQueuedEvent *ev;
		uint64               dropped;
		volatile int         n = 0;

		autouser_lock(AUTOUSER_LOCK_EVENTS, LW_EXCLUSIVE);
		control->last_drain_at = now;
		dropped = control->dropped;
		control->dropped = 0;
		hash_seq_init(&seq, queued);
		while ((ev = hash_seq_search(&seq)) != NULL)
		{
			bool remove;

			if (take_row(ev, now, &rows[n], &remove))
				n++;
			if (remove)
				hash_search(queued, &ev->key, HASH_REMOVE, NULL);
			if (n == AUTOUSER_EVENT_BATCH)
			{
				hash_seq_term(&seq);
				break;
			}
		}
		autouser_unlock(AUTOUSER_LOCK_EVENTS);

		if (dropped > 0)
			ereport(
				LOG,
				(errmsg(
					"pg_autouser could not queue %llu events because the queue was full",
					(unsigned long long) dropped)));
		PG_TRY();
		{
			for (int i = 0; i < n; i++)
				write_row(&rows[i]);
		}
		PG_CATCH();
		{
			autouser_lock(AUTOUSER_LOCK_EVENTS, LW_EXCLUSIVE);
			requeue_rows(rows, n);
			autouser_unlock(AUTOUSER_LOCK_EVENTS);
			PG_RE_THROW();
		}
		PG_END_TRY();
		total += n;
		if (n < AUTOUSER_EVENT_BATCH)
			return total;
	}
}

/*
 * On a standby, which writes no table: empties the queue (the server log has
 * every refusal and every ended session).  Returns how many occurrences.
 */
uint64
autouser_events_discard(void)
{
	HASH_SEQ_STATUS      seq;
	AutouserQueuedEvent *ev;
	uint64               discarded;

	autouser_lock(AUTOUSER_LOCK_EVENTS, LW_EXCLUSIVE);
	discarded = control->dropped;
	control->dropped = 0;
	control->last_drain_at = GetCurrentTimestamp();
	hash_seq_init(&seq, queued);
	while ((ev = hash_seq_search(&seq)) != NULL)
	{
		discarded += ev->pending;
		hash_search(queued, &ev->key, HASH_REMOVE, NULL);
	}
	autouser_unlock(AUTOUSER_LOCK_EVENTS);
	return discarded;
}

/* Deletes events older than pg_autouser.event_retention (0 = keep all). */
int
autouser_events_purge(void)
{
	Oid   types[1] = {TIMESTAMPTZOID};
	Datum values[1];

	if (autouser_event_retention <= 0 || !autouser_extension_exists())
		return 0;
	values[0] = TimestampTzGetDatum(TimestampTzPlusMilliseconds(
		GetCurrentTimestamp(), -(int64) autouser_event_retention * 60 * 1000));
	(void) autouser_sql(
		AUTOUSER_AS_OWNER,
		"DELETE FROM autouser.events WHERE at OPERATOR(pg_catalog.<) $1", 1,
		types, values, NULL, false);
	return (int) SPI_processed;
}
