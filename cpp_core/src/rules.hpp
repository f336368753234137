// rules.hpp -- encodes rule sets into a blob and evaluates logins against it; no SQL, no catalogs.
#ifndef PG_AUTOUSER_CORE_RULES_HPP
#define PG_AUTOUSER_CORE_RULES_HPP

#include "detail.hpp"

#include <cstdint>

namespace pg_autouser::core {

// INVALID_INPUT if a rule is unusable (bad pointers, a pattern failing check_pattern, a role
// entry classified INVALID, a field over 4 GiB).  BUFFER_TOO_SMALL leaves out untouched.
autouser_core_status encode_rules(const autouser_core_rule *rules, std::size_t n_rules, char *out,
                                  std::size_t out_cap, std::size_t &needed);

// See autouser_core_rules_evaluate.  result is all zero for a malformed blob or login; otherwise
// candidates is counted over every rule and matched_rule_id is the first matching rule's id (or
// 0), and needed / n_roles are set for OK, BUFFER_TOO_SMALL and a bad expansion.  A bad expansion
// with out_cap < 2 writes nothing (no room for a flag byte and a NUL) but still sets n_roles = 1,
// which is what tells it apart from a malformed blob.
autouser_core_status evaluate_rules(std::string_view blob, const autouser_core_login &login,
                                    char *out, std::size_t out_cap,
                                    autouser_core_eval_result &result);

} // namespace pg_autouser::core

#endif
