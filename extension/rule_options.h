/*
 * rule_options.h -- the options column of autouser.rules, read into the
 * options the core merges (rule_options.c).
 */
#ifndef AUTOUSER_RULE_OPTIONS_H
#define AUTOUSER_RULE_OPTIONS_H

#include "nodes/pg_list.h"
#include "utils/jsonb.h"

#define AUTOUSER_OPTION_CONNECTION_LIMIT "connection_limit"
#define AUTOUSER_OPTION_INHERIT          "inherit"
#define AUTOUSER_OPTION_SETTINGS         "settings"

extern bool
autouser_rule_options_read(Jsonb *json, bool writing, List **options);
extern List *autouser_setting_list_elements(const char *value);

#endif /* AUTOUSER_RULE_OPTIONS_H */
