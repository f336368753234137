/*
 * shmem.h -- shared-memory set-up for every module (shmem.c) and the one
 * rule about pg_autouser's LWLocks: each lock belongs to one file, and a
 * backend takes them only in the order of AutouserLockRank below (most code
 * never holds two).  autouser_lock() checks the order in assert-enabled
 * builds.
 *
 *   queue (request slots)  ->  sessions (sessions, pending cleanups)
 *     ->  workers (registry)  ->  rules (published rules)  ->  events
 *
 * (stats.c keeps its counters in atomics and needs no lock.)
 */
#ifndef AUTOUSER_SHMEM_H
#define AUTOUSER_SHMEM_H

#include "storage/lwlock.h"

typedef enum AutouserLockRank
{
	AUTOUSER_LOCK_QUEUE = 0,
	AUTOUSER_LOCK_SESSIONS,
	AUTOUSER_LOCK_WORKERS,
	AUTOUSER_LOCK_RULES,
	AUTOUSER_LOCK_EVENTS,
	AUTOUSER_LOCK_COUNT
} AutouserLockRank;

extern void    autouser_shmem_init(void);
extern bool    autouser_shmem_ready(void);
extern void    autouser_require_preload(void);
extern LWLock *autouser_lock_for(AutouserLockRank rank);
extern void    autouser_lock(AutouserLockRank rank, LWLockMode mode);
extern void    autouser_unlock(AutouserLockRank rank);

#endif /* AUTOUSER_SHMEM_H */
