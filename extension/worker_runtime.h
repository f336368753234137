/*
 * worker_runtime.h -- what both kinds of background worker do in their own
 * process (worker_runtime.c): start, connect with back-off, pin their
 * settings, and run each unit of work in its own transaction.
 */
#ifndef AUTOUSER_WORKER_RUNTIME_H
#define AUTOUSER_WORKER_RUNTIME_H

typedef void (*AutouserWorkStep)(void *arg);

extern MemoryContext autouser_worker_start(int index, const char *appname);
extern MemoryContext
			autouser_worker_start_elsewhere(int index, const char *database,
											const char *appname);
extern bool autouser_worker_reload_if_asked(void);
extern bool
autouser_run_in_transaction(AutouserWorkStep step, void *arg, char *failure,
							size_t cap, int *sqlstate);

#endif /* AUTOUSER_WORKER_RUNTIME_H */
