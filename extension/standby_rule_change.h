/*
 * standby_rule_change.h -- rule changes applied to a standby's own sessions
 * (standby_rule_change.c).
 */
#ifndef AUTOUSER_STANDBY_RULE_CHANGE_H
#define AUTOUSER_STANDBY_RULE_CHANGE_H

extern void autouser_standby_apply_rule_change(void);

#endif /* AUTOUSER_STANDBY_RULE_CHANGE_H */
