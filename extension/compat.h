/*
 * compat.h -- every difference between the PostgreSQL versions pg_autouser
 * builds against (15 to 18), behind PG_VERSION_NUM, as macros and static
 * inline backports.  The other files use only the names defined here.  Each
 * difference names the release and commit that made it; PG16_LT-style tests
 * are for this file (TimescaleDB's src/compat/compat.h does the same).
 */
#ifndef AUTOUSER_COMPAT_H
#define AUTOUSER_COMPAT_H

#include "miscadmin.h"
#include "postmaster/postmaster.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"

#if PG_VERSION_NUM < 150000
#error "pg_autouser needs PostgreSQL 15 or later"
#endif

#define PG16_LT (PG_VERSION_NUM < 160000)
#define PG16_GE (!PG16_LT)
#define PG17_LT (PG_VERSION_NUM < 170000)
#define PG17_GE (!PG17_LT)

/*
 * PostgreSQL 17 (commit 024c521117, "Replace BackendIds with 0-based
 * ProcNumbers") replaced PGPROC.pgprocno with GetNumberFromPGProc() and
 * MyProcNumber.  In every version regular backends and background workers
 * get numbers below MaxBackends (auxiliary processes and prepared
 * transactions come after), which sizes the per-backend arrays.  Needs MyProc.
 */
#if PG17_LT
#define AutouserMyProcNumber() (MyProc->pgprocno)
#else
#define AutouserMyProcNumber() (MyProcNumber)
#endif

/*
 * Pins search_path for statements run for someone else, inside a GUC nest
 * level the caller opened with NewGUCNestLevel() and closes with
 * AtEOXact_GUC().  PostgreSQL 17 has RestrictSearchPath() (commits
 * 2af07e2f74 and b4da732fd6, "Change functions to use a safe search_path
 * during maintenance operations"; used by REFRESH MATERIALIZED VIEW); this
 * is its body.
 */
static inline void
autouser_restrict_search_path(void)
{
#if PG17_GE
	RestrictSearchPath();
#else
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
#endif
}

/*
 * Connection slots a login may not hold while it waits: PostgreSQL 16
 * (commit 6e2775e4d4, "Add new GUC reserved_connections") split
 * superuser_reserved_connections's variable, added reserved_connections for
 * roles with privileges of pg_use_reserved_connections, and gave
 * HaveNFreeProcs() an out-parameter: the number of free slots.
 */
#if PG16_LT
#define AutouserReservedConnections() (ReservedBackends)
#else
#define AutouserReservedConnections() \
	(SuperuserReservedConnections + ReservedConnections)
#endif

static inline bool
autouser_have_free_procs(int n)
{
#if PG16_LT
	return HaveNFreeProcs(n);
#else
	int nfree;

	return HaveNFreeProcs(n, &nfree);
#endif
}

/*
 * Role memberships.  PostgreSQL 16 made each membership a grant of its own
 * (commits ce6b672e4 and 6566133c5): pg_auth_members gained an oid and may
 * hold one row per grantor for a (roleid, member) pair, and the AUTHMEMROLEMEM
 * and AUTHMEMMEMROLE syscaches gained the grantor as third key, so only list
 * searches on the leading keys work on every version, and they may return a
 * role more than once.  It also added per-grant inherit_option (e3ce2de09)
 * and set_option (3d14e171e); on 15 inheritance is the member's rolinherit
 * and SET ROLE is always allowed.
 *
 * REVOKE without GRANTED BY removes, on 16 and later, only the row whose
 * grantor is the current user (for a superuser: the bootstrap superuser,
 * which every superuser's grant is recorded as); any other row stays, with a
 * WARNING ("role ... has not been granted membership in role ... by role
 * ..."), and naming its grantor (GRANTED BY) needs that grantor's privileges.
 * On 15 one row per pair exists and REVOKE removes it whoever granted it.
 *
 * ADMIN-only grants.  On 16 and later the role that creates a role is given
 * ADMIN OPTION on it with INHERIT FALSE and SET FALSE (CreateRole(), commit
 * cf5eb37c5, "Restrict the privileges of CREATEROLE users"), and "GRANT g TO
 * admin WITH ADMIN TRUE, INHERIT FALSE, SET FALSE" is how an admin role may
 * hand g out without using it.  Such a row lets its member neither inherit g
 * nor SET ROLE to it: it is administration, not membership, so the admin role
 * that created the group role is not managed.  It still lets the member grant
 * g, so a walk for what a role could reach keeps it.  15 has no such grant.
 */
#if PG16_GE
#define AutouserMembershipIsAdminOnly(form) \
	((form)->admin_option && !(form)->inherit_option && !(form)->set_option)
#define AUTOUSER_SQL_NOT_ADMIN_ONLY(m) \
	"(NOT " m ".admin_option OR " m ".inherit_option OR " m ".set_option)"
#else
#define AutouserMembershipIsAdminOnly(form) (false)
#define AUTOUSER_SQL_NOT_ADMIN_ONLY(m)      "true"
#endif

/*
 * Inheritance.  On 15 a role's INHERIT attribute decides whether it uses the
 * privileges of every role it is a member of.  PostgreSQL 16 made it an
 * option of each grant (GRANT ... WITH INHERIT): the attribute only gives
 * the default for grants made to the role later, so NOINHERIT set after the
 * role's GRANTs changes nothing they give.  There each GRANT names the
 * inheritance it means, and a change of it is granted again on the
 * memberships the role keeps (by the same grantor, a GRANT updates the
 * grant's options).  On 15 the clause is empty: the attribute is enough.
 */
#if PG16_GE
#define AUTOUSER_GRANTS_CARRY_INHERIT true
#define AutouserGrantInheritClause(inherit) \
	((inherit) ? " WITH INHERIT TRUE" : " WITH INHERIT FALSE")
#else
#define AUTOUSER_GRANTS_CARRY_INHERIT       false
#define AutouserGrantInheritClause(inherit) ""
#endif

/*
 * PostgreSQL 16 folded pg_proc_aclcheck() and its
 * siblings into object_aclcheck().
 */
#if PG16_LT
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
#if PG16_LT
#define AutouserGucVariables(n) \
	(*(n) = GetNumConfigOptions(), get_guc_variables())
#else
#define AutouserGucVariables(n) get_guc_variables(n)
#endif

#endif /* AUTOUSER_COMPAT_H */
