/*
 * workers.h -- the registry of pg_autouser's background workers (workers.c):
 * registration at preload, each worker's pid, latch and connection state,
 * the connect back-off, and waking them.
 */
#ifndef AUTOUSER_WORKERS_H
#define AUTOUSER_WORKERS_H

/* Most provisioning workers pg_autouser.workers may ask for. */
#define AUTOUSER_MAX_WORKERS 16
/* Registry index of the cleanup worker (after the provisioning workers). */
#define AUTOUSER_CLEANUP_WORKER AUTOUSER_MAX_WORKERS

/* Whether a login that needs a worker can have one. */
typedef enum AutouserReach
{
	AUTOUSER_REACH_OK = 0,     /* connected, or starting up */
	AUTOUSER_REACH_NO_WORKERS, /* none registered or all gone */
	AUTOUSER_REACH_NO_DATABASE /* they cannot connect to pg_autouser.database */
} AutouserReach;

extern Size autouser_workers_shmem_size(void);
extern void autouser_workers_shmem_startup(void);
extern void autouser_workers_register(void);

extern void autouser_worker_attach(int index);
extern void autouser_worker_set_connected(int index);
extern void autouser_worker_set_running(int index);
extern int  autouser_worker_connect_failures(void);
extern void autouser_workers_retry_connect(void);
extern void autouser_worker_fallback_database(char *name);
extern void autouser_worker_set_fallback_database(const char *name);
extern bool autouser_worker_alive(int index);
extern long autouser_worker_connect_delay_ms(void);
extern bool autouser_worker_failure_log_due(void);

extern void          autouser_wake_provisioners(void);
extern void          autouser_wake_cleanup(void);
extern void          autouser_wake_all_workers(void);
extern AutouserReach autouser_workers_reach(void);

#endif /* AUTOUSER_WORKERS_H */
