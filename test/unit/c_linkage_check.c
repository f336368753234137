/* c_linkage_check.c -- compiles core_api.h as C99 and calls the core from C; no test logic. */
#include "pg_autouser/core_api.h"

#include <string.h>

int autouser_test_c_linkage_check(void);
size_t autouser_test_c_sizeof_rule(void);
size_t autouser_test_c_sizeof_login(void);
size_t autouser_test_c_sizeof_facts(void);
size_t autouser_test_c_sizeof_forbidden_config(void);

int autouser_test_c_linkage_check(void)
{
	char out[16];
	size_t needed = 0;
	autouser_core_login_facts facts;

	if (autouser_core_quote_identifier("a\"b", 3, out, sizeof out, &needed) != AUTOUSER_CORE_OK)
		return 1;
	if (needed != 7 || strcmp(out, "\"a\"\"b\"") != 0)
		return 2;
	if (autouser_core_check_identity("alice", 5) != AUTOUSER_CORE_IDENTITY_OK)
		return 3;
	memset(&facts, 0, sizeof facts);
	facts.rules_matched = 1;
	if (autouser_core_decide(&facts) != AUTOUSER_CORE_ACTION_CREATE)
		return 4;
	return 0;
}

size_t autouser_test_c_sizeof_rule(void) { return sizeof(autouser_core_rule); }
size_t autouser_test_c_sizeof_login(void) { return sizeof(autouser_core_login); }
size_t autouser_test_c_sizeof_facts(void) { return sizeof(autouser_core_login_facts); }
size_t autouser_test_c_sizeof_forbidden_config(void) { return sizeof(autouser_core_forbidden_config); }
