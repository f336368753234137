// decision.cpp -- maps login facts to an action in a fixed order; performs no action.
#include "decision.hpp"

namespace pg_autouser::core {

autouser_core_action decide(const autouser_core_login_facts &facts) noexcept {
	const bool exists = facts.role_exists != 0;
	const bool managed = facts.role_managed != 0;
	if (facts.rules_matched == 0)
		return exists && managed ? AUTOUSER_CORE_ACTION_REJECT_NO_RULE : AUTOUSER_CORE_ACTION_NONE;
	if (exists && !managed)
		return AUTOUSER_CORE_ACTION_REJECT_UNMANAGED;
	switch (facts.set_check) {
	case AUTOUSER_CORE_SET_OK:
		break;
	case AUTOUSER_CORE_SET_MISSING:
		return AUTOUSER_CORE_ACTION_REJECT_ROLE_MISSING;
	case AUTOUSER_CORE_SET_FORBIDDEN:
		return AUTOUSER_CORE_ACTION_REJECT_ROLE_FORBIDDEN;
	default: // SET_INVALID, and any unknown value (fail closed)
		return AUTOUSER_CORE_ACTION_REJECT_ROLE_INVALID;
	}
	if (!exists)
		return AUTOUSER_CORE_ACTION_CREATE;
	if (facts.role_can_login == 0)
		return AUTOUSER_CORE_ACTION_REACTIVATE;
	if (facts.set_equal != 0)
		return AUTOUSER_CORE_ACTION_ADMIT;
	if (facts.other_sessions > 0)
		return AUTOUSER_CORE_ACTION_REJECT_SET_CHANGED;
	return AUTOUSER_CORE_ACTION_REACTIVATE;
}

bool action_needs_write(autouser_core_action action) noexcept {
	return action == AUTOUSER_CORE_ACTION_CREATE || action == AUTOUSER_CORE_ACTION_REACTIVATE;
}

} // namespace pg_autouser::core
