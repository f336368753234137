/*
 * worker.h -- the provisioning workers: registration at preload, and the
 * one routine that carries out a plan (shared with the SQL functions).
 */
#ifndef AUTOUSER_WORKER_H
#define AUTOUSER_WORKER_H

#include "plan.h"

extern void autouser_worker_init(void);
extern void autouser_execute_plan(const char *identity, const AutouserPlan *plan);
extern void autouser_lock_role(const char *identity);
extern PGDLLEXPORT void autouser_worker_main(Datum arg);

#endif							/* AUTOUSER_WORKER_H */
