/*
 * worker.h -- the background workers' entry points (worker.c,
 * cleanup_worker.c) and the rules refresh they share (worker.c).
 */
#ifndef AUTOUSER_WORKER_H
#define AUTOUSER_WORKER_H

#include "rules_cache.h"

extern AutouserRulesState autouser_refresh_rules(bool force);
extern PGDLLEXPORT void   autouser_worker_main(Datum arg);
extern PGDLLEXPORT void   autouser_cleanup_main(Datum arg);

#endif /* AUTOUSER_WORKER_H */
