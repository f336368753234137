/*
 * stats.h -- counters since server start, shown by autouser.stats (stats.c).
 */
#ifndef AUTOUSER_STATS_H
#define AUTOUSER_STATS_H

#include "login.h"

#define AUTOUSER_OUTCOME_COUNT (AUTOUSER_UNAVAILABLE_FAILED + 1)

typedef enum AutouserCounter
{
	AUTOUSER_STAT_FAST_PATH = 0, /* admitted by the login hook alone */
	AUTOUSER_STAT_CLEANUP_DEACTIVATE,
	AUTOUSER_STAT_CLEANUP_DROP,
	AUTOUSER_STAT_CLEANUP_DROP_FAILED, /* drop fell back to deactivate */
	AUTOUSER_STAT_ENDED_EXPIRY,      /* sessions ended: certificate expired */
	AUTOUSER_STAT_ENDED_CRL,         /* ... certificate revoked */
	AUTOUSER_STAT_ENDED_RULE_CHANGE, /* ... rules took access away */
	AUTOUSER_STAT_ENDED_DEACTIVATE,  /* ... autouser.deactivate(terminate) */
	AUTOUSER_STAT_EVENTS_DROPPED, /* queued events that found the queue full */
	AUTOUSER_STAT_COUNTERS
} AutouserCounter;

extern Size autouser_stats_shmem_size(void);
extern void autouser_stats_shmem_startup(void);
extern void autouser_stats_count(AutouserCounter counter, uint64 n);
extern void autouser_stats_outcome(AutouserOutcome outcome);
extern void autouser_stats_wait(long wait_us);
extern void autouser_stats_queue_depth(int depth);

#endif /* AUTOUSER_STATS_H */
