/*
 * standby_api.h -- the names outcomes travel under between a standby and
 * its primary (standby_api.c, which also holds the primary's functions).
 */
#ifndef AUTOUSER_STANDBY_API_H
#define AUTOUSER_STANDBY_API_H

#include "login.h"

extern const char *autouser_outcome_name(AutouserOutcome outcome);
extern int         autouser_outcome_by_name(const char *name);

#endif /* AUTOUSER_STANDBY_API_H */
