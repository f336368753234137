/*
 * compat.h -- every difference between the PostgreSQL versions pg_autouser
 * builds against (15 to 18), behind PG_VERSION_NUM, as macros and static
 * inline backports.  The other files use only the names defined here.
 */
#ifndef AUTOUSER_COMPAT_H
#define AUTOUSER_COMPAT_H

#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/guc.h"

/*
 * PostgreSQL 17 (commit 024c521117) replaced PGPROC.pgprocno with
 * GetNumberFromPGProc() and MyProcNumber.
 */
#if PG_VERSION_NUM < 170000
#define AutouserMyProcNumber() (MyProc->pgprocno)
#else
#define AutouserMyProcNumber() (MyProcNumber)
#endif

/*
 * Pins search_path for statements run for someone else, inside a GUC nest
 * level the caller opened with NewGUCNestLevel() and closes with
 * AtEOXact_GUC().  PostgreSQL 17 has RestrictSearchPath() (commit
 * 2af07e2f74, used by REFRESH MATERIALIZED VIEW); this is its body.
 */
static inline void
autouser_restrict_search_path(void)
{
#if PG_VERSION_NUM >= 170000
	RestrictSearchPath();
#else
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
#endif
}

/*
 * Connection slots a login may not hold while it waits: PostgreSQL 16
 * (commit 6e2775e4d4) split superuser_reserved_connections's variable and
 * added reserved_connections for pg_use_reserved_connections.
 */
#if PG_VERSION_NUM < 160000
#include "postmaster/postmaster.h"
#define AutouserReservedConnections() (ReservedBackends)
#else
#include "postmaster/postmaster.h"
#define AutouserReservedConnections() \
	(SuperuserReservedConnections + ReservedConnections)
#endif

/*
 * Every GUC variable, as an array of *n: PostgreSQL 16 (commit 3057465acf)
 * keeps them in a hash table and get_guc_variables() counts them itself.
 */
#include "utils/guc_tables.h"
#if PG_VERSION_NUM < 160000
static inline struct config_generic **
autouser_guc_variables(int *n)
{
	*n = GetNumConfigOptions();
	return get_guc_variables();
}
#else
#define autouser_guc_variables(n) get_guc_variables(n)
#endif

#endif /* AUTOUSER_COMPAT_H */
