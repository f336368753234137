/*
 * role_lock.c -- one transaction-scoped advisory lock per role name, with no
 * database in its tag so that a login (no database yet), the workers and the
 * SQL functions all meet on the same lock.  Writers (provisioning, cleanup)
 * take it exclusively and hold it to commit; the login fast path tries it
 * shared, without waiting, while it counts itself as a session.  Being a
 * heavyweight lock, a wait on it is interruptible, deadlock-checked, and
 * visible to pg_locks and the isolation tester.  Also tries, without
 * waiting, the lock DROP ROLE needs.
 */
#include "postgres.h"

#include "catalog/pg_authid.h"
#include "common/hashfn.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "utils/inval.h"

#include "role_lock.h"

/*
 * Database 0 and field4 = 3 keep clear of pg_advisory_lock (always this
 * database, and 1 or 2).  The name's 64-bit hash fills the two middle
 * fields: two names sharing a lock (one person's job waiting on another's)
 * is as likely as a 64-bit collision.  'paut' seeds the hash.
 */
#define AUTOUSER_LOCK_SEED 1885435252
#define AUTOUSER_LOCK_KIND 3

static void
role_locktag(LOCKTAG *tag, const char *name)
{
	uint64 hash = hash_bytes_extended((const unsigned char *) name,
									  strlen(name), AUTOUSER_LOCK_SEED);

	SET_LOCKTAG_ADVISORY(*tag, InvalidOid, (uint32) (hash >> 32),
						 (uint32) hash, AUTOUSER_LOCK_KIND);
}

/*
 * Returns false only when !wait and the lock is busy.  After acquiring, the
 * previous holder's committed catalog changes are visible to the syscache.
 */
bool
autouser_lock_role(const char *name, LOCKMODE mode, bool wait)
{
	LOCKTAG tag;

	role_locktag(&tag, name);
	if (LockAcquire(&tag, mode, false, !wait) == LOCKACQUIRE_NOT_AVAIL)
		return false;
	AcceptInvalidationMessages();
	return true;
}

/*
 * The lock DROP ROLE takes on role's catalog object, if no other
 * transaction holds it (one that granted the role a privilege, or created
 * an object it owns, holds it until it ends); then held to commit.
 */
bool
autouser_try_lock_role_object(Oid role)
{
	LOCKTAG tag;

	SET_LOCKTAG_OBJECT(tag, InvalidOid, AuthIdRelationId, role, 0);
	if (LockAcquire(&tag, AccessExclusiveLock, false, true) ==
		LOCKACQUIRE_NOT_AVAIL)
		return false;
	AcceptInvalidationMessages();
	return true;
}

void
autouser_unlock_role(const char *name, LOCKMODE mode)
{
	LOCKTAG tag;

	role_locktag(&tag, name);
	LockRelease(&tag, mode, false);
}
