// decision.cpp -- decides a login from marshalled facts: checks the input's shape, walks the role
// set for the first missing or forbidden role, then applies SPEC 5's table.  Which fact forbids
// one role is forbidden.cpp's; nothing here reads a catalog or acts.
//
// Precedence, fixed so the same facts always name the same role and reason:
//   1. no matching rule: REJECT_NO_RULE for an existing managed role, else NONE;
//   2. an existing role that is not managed: REJECT_UNMANAGED;
//   3. the set, in the order given; for each role, the first of
//        MISSING (REJECT_ROLE_MISSING),
//        if only certificate text named it: TEMPLATE_PREDEFINED, then TEMPLATE_LOGIN,
//        its own forbidden_reason() (enum order, SUPERUSER .. LISTED),
//        each ancestor's forbidden_reason(), in the order given;
//      names the rejection (REJECT_ROLE_FORBIDDEN unless missing);
//   4. CREATE, REACTIVATE (cannot log in), ADMIT (same set and options), REJECT_SET_CHANGED
//      (other sessions hold the old set or options), else REACTIVATE.
#include "decision.hpp"

#include "forbidden.hpp"
#include "identity.hpp"

#include <cstdint>
#include <limits>

namespace pg_autouser::core {

namespace {

// The role flags are the consecutive bits from MISSING (0x0001) to FROM_TEMPLATE; any other bit is
// a fact this core cannot judge, so the input is refused rather than the bit ignored.
static_assert(AUTOUSER_CORE_ROLE_MISSING == 1, "role flags start at bit 0");
constexpr std::uint32_t kKnownFlags = (AUTOUSER_CORE_ROLE_FROM_TEMPLATE << 1) - 1;
constexpr std::uint32_t kSetOnlyFlags =
    AUTOUSER_CORE_ROLE_MISSING | AUTOUSER_CORE_ROLE_FROM_TEMPLATE;
// bad_role and bad_ancestor are int32: a larger array could not be named in a rejection.
constexpr std::size_t kMaxIndexable = std::numeric_limits<std::int32_t>::max();

template <typename T> bool array_ok(const T *items, std::size_t count) noexcept {
	return items != nullptr || count == 0;
}

bool set_role_ok(const autouser_core_set_role &role, std::size_t n_ancestors) noexcept {
	return detail::is_well_formed(role.name) && is_valid_role_name(detail::as_view(role.name)) &&
	       (role.flags & ~kKnownFlags) == 0 && role.n_ancestors <= n_ancestors &&
	       role.first_ancestor <= n_ancestors - role.n_ancestors;
}

bool ancestor_ok(const autouser_core_ancestor &ancestor) noexcept {
	return detail::is_well_formed(ancestor.name) && (ancestor.flags & ~kKnownFlags) == 0 &&
	       (ancestor.flags & kSetOnlyFlags) == 0;
}

bool input_ok(const autouser_core_decision_input &in) noexcept {
	if (!array_ok(in.set, in.n_set) || !array_ok(in.ancestors, in.n_ancestors) ||
	    !array_ok(in.forbidden_names, in.n_forbidden_names))
		return false;
	if (in.n_set > kMaxIndexable || in.n_ancestors > kMaxIndexable)
		return false;
	for (std::size_t i = 0; i < in.n_set; ++i)
		if (!set_role_ok(in.set[i], in.n_ancestors))
			return false;
	for (std::size_t i = 0; i < in.n_ancestors; ++i)
		if (!ancestor_ok(in.ancestors[i]))
			return false;
	for (std::size_t i = 0; i < in.n_forbidden_names; ++i)
		if (!detail::is_well_formed(in.forbidden_names[i]))
			return false;
	return true;
}

autouser_core_decision verdict(autouser_core_action action) noexcept {
	const bool writes =
	    action == AUTOUSER_CORE_ACTION_CREATE || action == AUTOUSER_CORE_ACTION_REACTIVATE;
	return {action, writes ? 1 : 0, -1, -1, AUTOUSER_CORE_FORBIDDEN_NONE};
}

autouser_core_decision reject_role(autouser_core_action action, std::size_t role,
                                   std::int32_t ancestor,
                                   autouser_core_forbidden_reason reason) noexcept {
	return {action, 0, static_cast<std::int32_t>(role), ancestor, reason};
}

// Step 3 for set role i: true, with the rejection in out, if the role may not be granted.
bool reject_set_role(const autouser_core_decision_input &in, std::size_t i,
                     autouser_core_decision &out) noexcept {
	const autouser_core_set_role &role = in.set[i];
	const std::string_view name = detail::as_view(role.name);
	const NameList listed{in.forbidden_names, in.n_forbidden_names};
	if ((role.flags & AUTOUSER_CORE_ROLE_MISSING) != 0) {
		out = reject_role(AUTOUSER_CORE_ACTION_REJECT_ROLE_MISSING, i, -1,
		                  AUTOUSER_CORE_FORBIDDEN_NONE);
		return true;
	}
	autouser_core_forbidden_reason reason = AUTOUSER_CORE_FORBIDDEN_NONE;
	if ((role.flags & AUTOUSER_CORE_ROLE_FROM_TEMPLATE) != 0)
		reason = template_reason(name, role.flags);
	if (reason == AUTOUSER_CORE_FORBIDDEN_NONE)
		reason = forbidden_reason(name, role.flags, listed);
	if (reason != AUTOUSER_CORE_FORBIDDEN_NONE) {
		out = reject_role(AUTOUSER_CORE_ACTION_REJECT_ROLE_FORBIDDEN, i, -1, reason);
		return true;
	}
	for (std::size_t k = role.first_ancestor; k < role.first_ancestor + role.n_ancestors; ++k) {
		const autouser_core_ancestor &ancestor = in.ancestors[k];
		reason = forbidden_reason(detail::as_view(ancestor.name), ancestor.flags, listed);
		if (reason != AUTOUSER_CORE_FORBIDDEN_NONE) {
			out = reject_role(AUTOUSER_CORE_ACTION_REJECT_ROLE_FORBIDDEN, i,
			                  static_cast<std::int32_t>(k), reason);
			return true;
		}
	}
	return false;
}

} // namespace

autouser_core_status decide(const autouser_core_decision_input &in,
                            autouser_core_decision &out) noexcept {
	if (!input_ok(in)) {
		out = kRejectInvalid;
		return AUTOUSER_CORE_INVALID_INPUT;
	}
	const bool exists = in.role_exists != 0;
	const bool managed = in.role_managed != 0;
	if (in.rules_matched == 0) {
		out = verdict(exists && managed ? AUTOUSER_CORE_ACTION_REJECT_NO_RULE
		                                : AUTOUSER_CORE_ACTION_NONE);
		return AUTOUSER_CORE_OK;
	}
	if (exists && !managed) {
		out = verdict(AUTOUSER_CORE_ACTION_REJECT_UNMANAGED);
		return AUTOUSER_CORE_OK;
	}
	for (std::size_t i = 0; i < in.n_set; ++i)
		if (reject_set_role(in, i, out))
			return AUTOUSER_CORE_OK;
	if (!exists)
		out = verdict(AUTOUSER_CORE_ACTION_CREATE);
	else if (in.role_can_login == 0)
		out = verdict(AUTOUSER_CORE_ACTION_REACTIVATE);
	else if (in.set_equal != 0 && in.options_equal != 0)
		out = verdict(AUTOUSER_CORE_ACTION_ADMIT);
	else if (in.other_sessions > 0)
		out = verdict(AUTOUSER_CORE_ACTION_REJECT_SET_CHANGED);
	else
		out = verdict(AUTOUSER_CORE_ACTION_REACTIVATE);
	return AUTOUSER_CORE_OK;
}

} // namespace pg_autouser::core
