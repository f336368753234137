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

// See autouser_core_rules_evaluate.  needed and n_roles are always assigned (0 unless OK,
// BUFFER_TOO_SMALL, or INVALID_INPUT for a bad expansion); matched_rule_id is written only
// when the status is OK, BUFFER_TOO_SMALL, or INVALID_INPUT for a bad expansion.
autouser_core_status evaluate_rules(std::string_view blob, const autouser_core_login &login,
                                    char *out, std::size_t out_cap, std::size_t &needed,
                                    std::size_t &n_roles, std::int64_t *matched_rule_id);

// Number of rules, or -1 if the blob is structurally malformed.
std::int64_t count_rules(std::string_view blob) noexcept;

} // namespace pg_autouser::core

#endif
