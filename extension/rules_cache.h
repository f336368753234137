/*
 * rules_cache.h -- autouser.rules as a flat blob: read from the table (in a
 * database, via SPI), published in shared memory by the workers, and copied
 * out by logins, which cannot read any table.
 */
#ifndef AUTOUSER_RULES_CACHE_H
#define AUTOUSER_RULES_CACHE_H

#include "core_bridge.h"
#include "queue.h"


extern bool autouser_extension_exists(void);
extern char *autouser_rules_read(Size *len);
extern uint64 autouser_rules_change_count(void);
extern void autouser_rules_publish(AutouserRulesState state, const char *blob,
								   Size len, uint64 change_count);
extern AutouserRulesState autouser_rules_published_state(bool *stale);
extern void autouser_rules_changed(void);
extern bool autouser_rules_evaluate_published(const AutouserRequest *request,
											  AutouserEval *eval,
											  AutouserRulesState *state);

#endif							/* AUTOUSER_RULES_CACHE_H */
