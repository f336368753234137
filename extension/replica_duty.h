/*
 * replica_duty.h -- the cleanup worker's duties towards standbys and the
 * primary (replica_duty.c).
 */
#ifndef AUTOUSER_REPLICA_DUTY_H
#define AUTOUSER_REPLICA_DUTY_H

#include "utils/timestamp.h"

extern TimestampTz autouser_report_sessions(TimestampTz next_report);
extern TimestampTz autouser_expire_leases(TimestampTz next_check);
extern TimestampTz
autouser_end_sessions_of_inactive_roles(TimestampTz next_check);

#endif /* AUTOUSER_REPLICA_DUTY_H */
