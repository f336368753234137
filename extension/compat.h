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
#include "utils/guc_tables.h"

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
 * PostgreSQL 16 folded pg_proc_aclcheck() and its siblings into
 * object_aclcheck().
 */
#include "utils/acl.h"
#if PG_VERSION_NUM < 160000
#define AutouserProcAclcheck(proc, role, mode) \
	pg_proc_aclcheck((proc), (role), (mode))
#else
#include "catalog/pg_proc.h"
#define AutouserProcAclcheck(proc, role, mode) \
	object_aclcheck(ProcedureRelationId, (proc), (role), (mode))
#endif

/*
 * Every setting, as an array of *n pointers: PostgreSQL 16 made
 * get_guc_variables() return a fresh array and its length.
 */
#if PG_VERSION_NUM < 160000
#define AutouserGucVariables(n) \
	(*(n) = GetNumConfigOptions(), get_guc_variables())
#else
#define AutouserGucVariables(n) get_guc_variables(n)
#endif

#endif /* AUTOUSER_COMPAT_H */
