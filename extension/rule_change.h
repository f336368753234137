/*
 * rule_change.h -- a committed change of the rules applied to the managed
 * roles that have sessions (rule_change.c).
 */
#ifndef AUTOUSER_RULE_CHANGE_H
#define AUTOUSER_RULE_CHANGE_H

extern bool autouser_apply_rule_change(Oid role);
extern bool autouser_strip_revoked(Oid role);

#endif /* AUTOUSER_RULE_CHANGE_H */
