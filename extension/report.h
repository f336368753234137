/*
 * report.h -- the messages a login's decision is reported with (report.c).
 */
#ifndef AUTOUSER_REPORT_H
#define AUTOUSER_REPORT_H

#include "core_bridge.h"
#include "login.h"

extern char *autouser_forbidden_detail(const AutouserDecision *decision);
extern char *autouser_decision_detail(const AutouserRequest  *request,
									  const AutouserDecision *decision);
extern void
			autouser_report_identity(int elevel, int sqlstate,
									 AutouserIdentityProblem problem, const char *cn);
extern void autouser_report(int elevel, const AutouserRequest *request,
							const AutouserDecision *decision);

#endif /* AUTOUSER_REPORT_H */
