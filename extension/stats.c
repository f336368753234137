/*
 * stats.c -- owns the counters behind autouser.stats: logins by outcome,
 * provisioning waits (a fixed histogram, for p50/p99, and the maximum), the
 * request queue's high-water mark (and, read from the queue, its depth now), cleanups, ended sessions and dropped
 * events.  Plain atomics in shared memory, so counting takes no lock and
 * costs the login path a few instructions.  Also the SQL functions that show
 * and reset them.
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "port/atomics.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "queue.h"
#include "shmem.h"
#include "stats.h"

/* Upper bounds (microseconds) of the wait histogram's buckets; the last is open. */
static const uint64 wait_bounds_us[] = {
	500,    1000,   2000,   5000,    10000,   20000,   50000,
	100000, 200000, 500000, 1000000, 2000000, 5000000, 10000000};

#define AUTOUSER_WAIT_BUCKETS (lengthof(wait_bounds_us) + 1)

typedef struct AutouserStats
{
	pg_atomic_uint64 reset_at; /* TimestampTz */
	pg_atomic_uint64 outcomes[AUTOUSER_OUTCOME_COUNT];
	pg_atomic_uint64 counters[AUTOUSER_STAT_COUNTERS];
	pg_atomic_uint64 waits[AUTOUSER_WAIT_BUCKETS];
	pg_atomic_uint64 wait_max_us;
	pg_atomic_uint64 queue_high_water;
} AutouserStats;

static AutouserStats *stats = NULL;

/* Names of outcomes and counters as autouser.stats shows them. */
static const char *const outcome_names[] = {
	"logins_not_provisioned",  "logins_admitted",
	"logins_created",          "logins_reactivated",
	"logins_updated",          "rejected_unmanaged",
	"rejected_no_rule",        "rejected_role_missing",
	"rejected_role_forbidden", "rejected_role_invalid",
	"rejected_set_changed",    "rejected_subject_unreadable",
	"rejected_ambiguous_cn",   "unavailable_no_workers",
	"unavailable_no_database", "unavailable_no_extension",
	"unavailable_standby",     "unavailable_primary",
	"unavailable_lag",         "unavailable_timeout",
	"unavailable_busy",        "unavailable_failed"};

static const char *const counter_names[] = {"logins_fast_path",
											"cleanups_deactivate",
											"cleanups_drop",
											"cleanups_drop_failed",
											"sessions_ended_expiry",
											"sessions_ended_crl",
											"sessions_ended_rule_change",
											"sessions_ended_deactivate",
											"events_dropped"};

StaticAssertDecl(lengthof(outcome_names) == AUTOUSER_OUTCOME_COUNT,
				 "every outcome needs a name in autouser.stats");
StaticAssertDecl(lengthof(counter_names) == AUTOUSER_STAT_COUNTERS,
				 "every counter needs a name in autouser.stats");

Size
autouser_stats_shmem_size(void)
{
	return sizeof(AutouserStats);
}

static void
reset_all(void)
{
	for (int i = 0; i < AUTOUSER_OUTCOME_COUNT; i++)
		pg_atomic_write_u64(&stats->outcomes[i], 0);
	for (int i = 0; i < AUTOUSER_STAT_COUNTERS; i++)
		pg_atomic_write_u64(&stats->counters[i], 0);
	for (int i = 0; i < (int) AUTOUSER_WAIT_BUCKETS; i++)
		pg_atomic_write_u64(&stats->waits[i], 0);
	pg_atomic_write_u64(&stats->wait_max_us, 0);
	pg_atomic_write_u64(&stats->queue_high_water, 0);
	pg_atomic_write_u64(&stats->reset_at, (uint64) GetCurrentTimestamp());
}

void
autouser_stats_shmem_startup(void)
{
	bool found;

	stats =
		ShmemInitStruct("pg_autouser stats", sizeof(AutouserStats), &found);
	if (found)
		return;
	pg_atomic_init_u64(&stats->reset_at, 0);
	for (int i = 0; i < AUTOUSER_OUTCOME_COUNT; i++)
		pg_atomic_init_u64(&stats->outcomes[i], 0);
	for (int i = 0; i < AUTOUSER_STAT_COUNTERS; i++)
		pg_atomic_init_u64(&stats->counters[i], 0);
	for (int i = 0; i < (int) AUTOUSER_WAIT_BUCKETS; i++)
		pg_atomic_init_u64(&stats->waits[i], 0);
	pg_atomic_init_u64(&stats->wait_max_us, 0);
	pg_atomic_init_u64(&stats->queue_high_water, 0);
	reset_all();
}

void
autouser_stats_count(AutouserCounter counter, uint64 n)
{
	pg_atomic_fetch_add_u64(&stats->counters[counter], n);
}

void
autouser_stats_outcome(AutouserOutcome outcome)
{
	pg_atomic_fetch_add_u64(&stats->outcomes[outcome], 1);
}

/* Raises *target to value if it is larger (lock-free). */
static void
atomic_max(pg_atomic_uint64 *target, uint64 value)
{
	uint64 current = pg_atomic_read_u64(target);

	while (value > current &&
		   !pg_atomic_compare_exchange_u64(target, &current, value))
		;
}

/* A login waited wait_us for a worker's answer. */
void
autouser_stats_wait(long wait_us)
{
	int bucket = 0;

	while (bucket < (int) lengthof(wait_bounds_us) &&
		   (uint64) wait_us > wait_bounds_us[bucket])
		bucket++;
	pg_atomic_fetch_add_u64(&stats->waits[bucket], 1);
	atomic_max(&stats->wait_max_us, (uint64) Max(wait_us, 0));
}

void
autouser_stats_queue_depth(int depth)
{
	atomic_max(&stats->queue_high_water, (uint64) depth);
}

/* The bucket bound under which fraction of the waits fall (0 with no waits). */
static uint64
wait_percentile(const uint64 *counts, double fraction)
{
	uint64 total = 0;
	uint64 seen = 0;

	for (int i = 0; i < (int) AUTOUSER_WAIT_BUCKETS; i++)
		total += counts[i];
	if (total == 0)
		return 0;
	for (int i = 0; i < (int) AUTOUSER_WAIT_BUCKETS; i++)
	{
		seen += counts[i];
		if ((double) seen >= fraction * (double) total)
			return i < (int) lengthof(wait_bounds_us)
					   ? wait_bounds_us[i]
					   : pg_atomic_read_u64(&stats->wait_max_us);
	}
	return pg_atomic_read_u64(&stats->wait_max_us);
}

PG_FUNCTION_INFO_V1(autouser_stats_rows);
PG_FUNCTION_INFO_V1(autouser_stats_reset);

static void
put_row(ReturnSetInfo *rsinfo, const char *name, int64 value)
{
	Datum values[2];
	bool  nulls[2] = {false, false};

	values[0] = CStringGetTextDatum(name);
	values[1] = Int64GetDatum(value);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/* autouser._stats(): (name, value) rows; waits in microseconds. */
Datum
autouser_stats_rows(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	uint64         waits[AUTOUSER_WAIT_BUCKETS];
	uint64         count = 0;

	autouser_require_preload();
	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; i < AUTOUSER_OUTCOME_COUNT; i++)
		put_row(rsinfo, outcome_names[i],
				(int64) pg_atomic_read_u64(&stats->outcomes[i]));
	for (int i = 0; i < AUTOUSER_STAT_COUNTERS; i++)
		put_row(rsinfo, counter_names[i],
				(int64) pg_atomic_read_u64(&stats->counters[i]));
	for (int i = 0; i < (int) AUTOUSER_WAIT_BUCKETS; i++)
	{
		waits[i] = pg_atomic_read_u64(&stats->waits[i]);
		count += waits[i];
	}
	put_row(rsinfo, "provision_waits", (int64) count);
	put_row(rsinfo, "provision_wait_p50_us",
			(int64) wait_percentile(waits, 0.50));
	put_row(rsinfo, "provision_wait_p99_us",
			(int64) wait_percentile(waits, 0.99));
	put_row(rsinfo, "provision_wait_max_us",
			(int64) pg_atomic_read_u64(&stats->wait_max_us));
	put_row(rsinfo, "queue_high_water",
			(int64) pg_atomic_read_u64(&stats->queue_high_water));
	put_row(rsinfo, "queue_waiting", autouser_queue_waiting());
	put_row(rsinfo, "stats_reset_epoch_ms",
			(int64) (((TimestampTz) pg_atomic_read_u64(&stats->reset_at) -
					  SetEpochTimestamp()) /
					 1000));
	return (Datum) 0;
}

/* autouser.stats_reset() */
Datum
autouser_stats_reset(PG_FUNCTION_ARGS)
{
	autouser_require_preload();
	reset_all();
	PG_RETURN_VOID();
}
