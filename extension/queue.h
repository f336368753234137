/*
 * queue.h -- the shared state between logins and workers: one slot per
 * backend (its provisioning request, its answer and its admitted session),
 * the worker registry, and the published copy of the rules.
 *
 * Lock order: queue_lock before rules_lock; neither is held while sleeping,
 * running SQL, allocating or reporting errors.
 */
#ifndef AUTOUSER_QUEUE_H
#define AUTOUSER_QUEUE_H

#include "port/atomics.h"
#include "storage/condition_variable.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "utils/timestamp.h"

#include "guc.h"

#define AUTOUSER_ATTRS_BYTES 2048	/* encoded certificate subject */
#define AUTOUSER_RULES_BYTES (8 * 1024 * 1024)	/* published rule blob */
#define AUTOUSER_DETAIL_BYTES 256	/* server-log detail of an answer */

typedef enum AutouserSlotState
{
	AUTOUSER_SLOT_IDLE = 0,		/* no request */
	AUTOUSER_SLOT_PENDING,		/* waiting for a worker */
	AUTOUSER_SLOT_WORKING,		/* a worker has it */
	AUTOUSER_SLOT_DONE,			/* answered; the login reads it */
	AUTOUSER_SLOT_ABANDONED		/* the login left; the worker discards it */
} AutouserSlotState;

/* Why a login that needs a write cannot have it now (SQLSTATE 57P03). */
typedef enum AutouserUnavailable
{
	AUTOUSER_OK = 0,
	AUTOUSER_UNAVAILABLE_NO_WORKERS,
	AUTOUSER_UNAVAILABLE_NO_DATABASE,
	AUTOUSER_UNAVAILABLE_NO_EXTENSION,
	AUTOUSER_UNAVAILABLE_STANDBY,
	AUTOUSER_UNAVAILABLE_TIMEOUT,
	AUTOUSER_UNAVAILABLE_FAILED
} AutouserUnavailable;

/* What the worker tells a login. */
typedef struct AutouserAnswer
{
	int			action;			/* AutouserAction */
	int			unavailable;	/* AutouserUnavailable; != OK overrides action */
	char		role[NAMEDATALEN];	/* role the rejection names, if any */
	char		detail[AUTOUSER_DETAIL_BYTES];	/* server log only */
} AutouserAnswer;

typedef struct AutouserRequest
{
	char		identity[NAMEDATALEN];
	char		database[NAMEDATALEN];
	int			attrs_len;
	char		attrs[AUTOUSER_ATTRS_BYTES];
} AutouserRequest;

typedef struct AutouserSlot
{
	uint32		generation;		/* bumped at every new request */
	int			state;			/* AutouserSlotState */
	int			worker;			/* index of the worker holding it */
	pid_t		owner_pid;		/* the login that posted the request */
	ConditionVariable cv;		/* broadcast when answered */
	AutouserRequest request;
	AutouserAnswer answer;
} AutouserSlot;

/*
 * A backend admitted by the extension, indexed like the slots but kept in
 * its own compact array: every login scans it, and the 2 kB slots would
 * cost a page touch each.
 */
typedef struct AutouserSession
{
	Oid			role;			/* InvalidOid = not a counted session */
	pid_t		pid;
} AutouserSession;

typedef struct AutouserWorkerInfo
{
	pid_t		pid;			/* 0 = not running */
	bool		connected;		/* connected to pg_autouser.database */
	Latch	   *latch;
} AutouserWorkerInfo;

typedef enum AutouserRulesState
{
	AUTOUSER_RULES_UNKNOWN = 0, /* no worker has loaded them yet */
	AUTOUSER_RULES_NO_EXTENSION,	/* extension not created: inert */
	AUTOUSER_RULES_LOADED,
	AUTOUSER_RULES_TOO_BIG		/* blob does not fit: every login asks */
} AutouserRulesState;

/* A managed role whose last counted session ended; cleanup.c consumes it. */
typedef struct AutouserPendingCleanup
{
	Oid			role;
	pid_t		exited_pid;		/* still in the proc array for a moment */
	TimestampTz ended_at;
	TimestampTz not_before;		/* retry time, or 0 */
	int			attempts;
} AutouserPendingCleanup;

/* An event recorded where no table can be written (the login hook). */
typedef struct AutouserQueuedEvent
{
	TimestampTz at;
	int			action;			/* AutouserEventAction */
	pid_t		pid;
	char		identity[NAMEDATALEN];
	char		database[NAMEDATALEN];
	char		detail[AUTOUSER_DETAIL_BYTES];
} AutouserQueuedEvent;

#define AUTOUSER_EVENT_RING 256

typedef struct AutouserShared
{
	LWLock	   *queue_lock;		/* slots, workers, pending cleanups */
	LWLock	   *rules_lock;		/* rules_* fields and the blob */
	LWLock	   *events_lock;	/* the event ring */
	int			nslots;
	int			connect_failures;	/* worker exits before connecting */
	AutouserWorkerInfo workers[AUTOUSER_MAX_WORKERS];
	AutouserWorkerInfo cleanup_worker;
	int			npending;		/* entries used in pending[] */
	bool		pending_overflow;	/* some were dropped: sweep soon */
	AutouserPendingCleanup *pending;	/* nslots entries */
	AutouserSession *sessions;	/* nslots entries */
	int			event_head;		/* next to write */
	int			event_count;
	uint64		events_dropped;
	AutouserQueuedEvent events[AUTOUSER_EVENT_RING];
	pg_atomic_uint64 rules_change_count;	/* bumped by rule edits */
	uint64		rules_loaded_count; /* change count the blob reflects */
	int			rules_state;
	bool		inert_logged;
	Size		rules_len;
	AutouserSlot slots[FLEXIBLE_ARRAY_MEMBER];
} AutouserShared;

extern AutouserShared *autouser_shared;
extern char *autouser_rules_blob;	/* AUTOUSER_RULES_BYTES, in shmem */

extern void autouser_queue_init(void);
extern AutouserSlot *autouser_my_slot(void);
extern void autouser_wake_workers(void);
extern int	autouser_connected_workers(void);

#endif							/* AUTOUSER_QUEUE_H */
