// decision.hpp -- the login decision table (facts -> action); gathers no facts itself.
#ifndef PG_AUTOUSER_CORE_DECISION_HPP
#define PG_AUTOUSER_CORE_DECISION_HPP

#include "detail.hpp"

namespace pg_autouser::core {

// Integer facts are booleans (non-zero = true); an unknown set_check counts as SET_INVALID.
autouser_core_action decide(const autouser_core_login_facts &facts) noexcept;

bool action_needs_write(autouser_core_action action) noexcept;

} // namespace pg_autouser::core

#endif
