/*
 * rules_cache.h -- autouser.rules as a flat blob: read from the table (in a
 * database, via SPI), published in shared memory by the workers with the
 * owners the forbidden list needs, evaluated in place by logins (which cannot
 * read any table), and known to be current (rules_cache.c).
 */
#ifndef AUTOUSER_RULES_CACHE_H
#define AUTOUSER_RULES_CACHE_H

#include "core_bridge.h"
#include "login.h"
#include "run_as.h"

#define AUTOUSER_RULES_BYTES (8 * 1024 * 1024) /* published rule blob */

typedef enum AutouserRulesState
{
	AUTOUSER_RULES_UNKNOWN = 0,  /* no worker has loaded them yet */
	AUTOUSER_RULES_NO_EXTENSION, /* extension not created: inert */
	AUTOUSER_RULES_NO_DATABASE,  /* pg_autouser.database is gone */
	AUTOUSER_RULES_LOADED,
	AUTOUSER_RULES_TOO_BIG /* blob does not fit: every login asks */
} AutouserRulesState;

/* What the workers publish besides the blob. */
typedef struct AutouserRulesOwners
{
	Oid database_owner;  /* owner of pg_autouser.database */
	Oid extension_owner; /* owner of the extension's objects */
} AutouserRulesOwners;

extern Size autouser_rules_shmem_size(void);
extern void autouser_rules_shmem_startup(void);
extern void autouser_rules_cache_init(void);

extern bool autouser_extension_exists(void);
extern bool autouser_schema_is_current(void);
extern void autouser_rules_owners_now(AutouserRulesOwners *owners);
extern char *
autouser_rules_read(AutouserActor actor, bool read_only, Size *len);
extern bool   autouser_rules_have_options(void);
extern uint64 autouser_rules_change_count(void);
extern void   autouser_rules_register_prepared(void);
extern void
autouser_rules_publish(AutouserRulesState state, const char *blob, Size len,
					   const AutouserRulesOwners *owners, uint64 change_count);
extern AutouserRulesState autouser_rules_published_state(bool *stale);
extern char *autouser_rules_copy_published(MemoryContext context, Size *len);
extern bool  autouser_rules_evaluate_published(const AutouserRequest *request,
											   AutouserEval          *eval,
											   AutouserRulesOwners   *owners,
											   AutouserRulesState    *state);
extern bool  autouser_rules_log_inert_once(int why);
extern void  autouser_rules_changed(void);

#endif /* AUTOUSER_RULES_CACHE_H */
