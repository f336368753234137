// decision.hpp -- decides a login from the facts the glue marshalled (SPEC 5 steps 2-7, SPEC 6);
// gathers no facts and performs no action.
#ifndef PG_AUTOUSER_CORE_DECISION_HPP
#define PG_AUTOUSER_CORE_DECISION_HPP

#include "detail.hpp"

namespace pg_autouser::core {

// The decision for a malformed input: a rejection that writes nothing and names no role.
constexpr autouser_core_decision kRejectInvalid = {AUTOUSER_CORE_ACTION_REJECT_ROLE_INVALID, 0, -1,
                                                   -1, AUTOUSER_CORE_FORBIDDEN_NONE};

// OK with the decision in out, or INVALID_INPUT with out = kRejectInvalid when in is malformed:
// an array NULL with a non-zero count; more set roles or ancestors than an int32 index can name;
// a set role whose name is not a valid role name (evaluation never yields one) or whose
// ancestor range leaves the ancestors array; a NULL string with a non-zero length; a flag the
// core does not know, or MISSING / FROM_TEMPLATE on an ancestor (they describe set roles only).
// Integer facts are booleans (non-zero = true) except other_sessions (> 0 = some).
autouser_core_status decide(const autouser_core_decision_input &in,
                            autouser_core_decision &out) noexcept;

} // namespace pg_autouser::core

#endif
