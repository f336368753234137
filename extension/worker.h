/*
 * worker.h -- the provisioning workers: registration at preload, and the
 * one routine that carries out a plan (shared with the SQL functions).
 */
#ifndef AUTOUSER_WORKER_H
#define AUTOUSER_WORKER_H

#include "plan.h"

typedef void (*autouser_worker_step) (void *arg);

extern void autouser_worker_init(void);
extern void autouser_execute_plan(const char *identity, const AutouserPlan *plan);
extern bool autouser_run_in_transaction(autouser_worker_step step, void *arg,
										char *failure, size_t cap);
extern PGDLLEXPORT void autouser_worker_main(Datum arg);
extern PGDLLEXPORT void autouser_cleanup_main(Datum arg);

#endif							/* AUTOUSER_WORKER_H */
