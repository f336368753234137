/*
 * primary_link.h -- a standby's calls to its primary (primary_link.c).
 */
#ifndef AUTOUSER_PRIMARY_LINK_H
#define AUTOUSER_PRIMARY_LINK_H

#include "access/xlogdefs.h"
#include "utils/timestamp.h"

#include "login.h"

/* Why the primary could not be asked: for the log, and whom to name. */
typedef struct AutouserLinkFailure
{
	char detail[AUTOUSER_DETAIL_BYTES];
	char primary[AUTOUSER_NODE_BYTES];
} AutouserLinkFailure;

extern void autouser_my_node_name(char *name);
extern bool
			autouser_primary_provision(const AutouserRequest *request,
									   TimestampTz deadline, AutouserDecision *answer,
									   XLogRecPtr *lsn, AutouserLinkFailure *failure);
extern bool autouser_primary_renew(const char *sessions, TimestampTz deadline,
								   AutouserLinkFailure *failure);
extern void autouser_primary_disconnect(void);

#endif /* AUTOUSER_PRIMARY_LINK_H */
