// primary_probe.hpp -- doctor on a standby: a connection made from pg_autouser.primary_conninfo
// the way the standby's workers make it, and what the server it reaches says about itself.
#pragma once

#include "admin_grants.hpp"
#include "standby_grants.hpp"

namespace pg_autouser::cli {

// Connects with facts.primary_conninfo, the admin role as user (when set) and
// facts.rules_database as dbname, as primary_link.c does; reads whom it logged in as, whether
// the server is in recovery and whom its standby functions act for.  Writes nothing.
PrimaryProbe probe_primary(const AdminRoleFacts &facts);

} // namespace pg_autouser::cli
