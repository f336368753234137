/*
 * worker_runtime.h -- what both kinds of background worker do in their own
 * process (worker_runtime.c): start, connect with back-off, pin their
 * settings, and run each unit of work in its own transaction.
 */
#ifndef AUTOUSER_WORKER_RUNTIME_H
#define AUTOUSER_WORKER_RUNTIME_H

typedef void (*AutouserWorkStep)(void *arg);

/*
 * One try of a worker statement waits this long for another transaction's
 * lock at most (less when pg_autouser.lock_timeout is less); then the job
 * goes back to its queue, retried with back-off while the worker serves
 * other identities.
 */
#define AUTOUSER_LOCK_TRY_MS 100

extern int autouser_lock_try_ms(void);

extern MemoryContext autouser_worker_start(int index, const char *appname);
extern MemoryContext
			autouser_worker_start_elsewhere(int index, const char *database,
											const char *appname);
extern bool autouser_worker_reload_if_asked(void);
extern bool
autouser_run_in_transaction(AutouserWorkStep step, void *arg, char *failure,
							size_t cap, int *sqlstate);

#endif /* AUTOUSER_WORKER_RUNTIME_H */
