// api.cpp -- every extern "C" entry point of core_api.h: argument checks, then a call into the
// core.  The only place exceptions are caught; no logic of its own beyond pointer/NULL handling.
//
// Values returned when an exception is caught (none is expected outside std::bad_alloc):
//   status functions  -> AUTOUSER_CORE_NO_MEMORY / AUTOUSER_CORE_INTERNAL
//   check_identity    -> IDENTITY_BAD_UTF8      check_pattern -> PATTERN_BAD_UTF8
//   classify          -> ROLE_ENTRY_INVALID      glob_match    -> 0 (no match)
//   rules_count       -> -1                      forbidden     -> 1 (forbidden)
//   decide            -> REJECT_ROLE_INVALID     needs_write   -> 0
// All of these fail closed.  A ptr == NULL with a non-zero length is rejected the same way.
#include "decision.hpp"
#include "forbidden.hpp"
#include "glob.hpp"
#include "identity.hpp"
#include "quote.hpp"
#include "rules.hpp"
#include "template.hpp"

#include <new>

using namespace pg_autouser::core;

extern "C" {

autouser_core_identity_check autouser_core_check_identity(const char *name, size_t len) noexcept {
	try {
		if (!detail::is_well_formed(name, len))
			return AUTOUSER_CORE_IDENTITY_EMPTY;
		return check_identity(detail::as_view(name, len));
	} catch (const std::bad_alloc &) {
		return AUTOUSER_CORE_IDENTITY_BAD_UTF8;
	} catch (...) {
		return AUTOUSER_CORE_IDENTITY_BAD_UTF8;
	}
}

autouser_core_status autouser_core_quote_identifier(const char *name, size_t len, char *out,
                                                    size_t out_cap, size_t *needed) noexcept {
	try {
		if (needed != nullptr)
			*needed = 0;
		if (!detail::is_well_formed(name, len) || (out == nullptr && out_cap != 0))
			return AUTOUSER_CORE_INVALID_INPUT;
		std::string_view view = detail::as_view(name, len);
		if (view.find('\0') != std::string_view::npos)
			return AUTOUSER_CORE_INVALID_INPUT; // the output would be cut at the NUL
		std::size_t size = quoted_size(view);
		if (needed != nullptr)
			*needed = size;
		if (out_cap < size)
			return AUTOUSER_CORE_BUFFER_TOO_SMALL;
		quote_into(view, out);
		return AUTOUSER_CORE_OK;
	} catch (const std::bad_alloc &) {
		return AUTOUSER_CORE_NO_MEMORY;
	} catch (...) {
		return AUTOUSER_CORE_INTERNAL;
	}
}

int autouser_core_glob_match(const char *pattern, size_t pattern_len, const char *text,
                             size_t text_len) noexcept {
	try {
		if (!detail::is_well_formed(pattern, pattern_len) ||
		    !detail::is_well_formed(text, text_len))
			return 0;
		return glob_match(detail::as_view(pattern, pattern_len), detail::as_view(text, text_len))
		           ? 1
		           : 0;
	} catch (const std::bad_alloc &) {
		return 0;
	} catch (...) {
		return 0;
	}
}

autouser_core_pattern_check autouser_core_check_pattern(const char *pattern, size_t len) noexcept {
	try {
		if (!detail::is_well_formed(pattern, len))
			return AUTOUSER_CORE_PATTERN_EMPTY;
		return check_pattern(detail::as_view(pattern, len));
	} catch (const std::bad_alloc &) {
		return AUTOUSER_CORE_PATTERN_BAD_UTF8;
	} catch (...) {
		return AUTOUSER_CORE_PATTERN_BAD_UTF8;
	}
}

autouser_core_role_entry_kind autouser_core_classify_role_entry(const char *entry,
                                                                size_t len) noexcept {
	try {
		if (!detail::is_well_formed(entry, len))
			return AUTOUSER_CORE_ROLE_ENTRY_INVALID;
		return classify_role_entry(detail::as_view(entry, len));
	} catch (const std::bad_alloc &) {
		return AUTOUSER_CORE_ROLE_ENTRY_INVALID;
	} catch (...) {
		return AUTOUSER_CORE_ROLE_ENTRY_INVALID;
	}
}

autouser_core_status autouser_core_rules_encode(const autouser_core_rule *rules, size_t n_rules,
                                                char *out, size_t out_cap,
                                                size_t *needed) noexcept {
	try {
		std::size_t size = 0;
		autouser_core_status status = AUTOUSER_CORE_INVALID_INPUT;
		if (out != nullptr || out_cap == 0)
			status = encode_rules(rules, n_rules, out, out_cap, size);
		if (needed != nullptr)
			*needed = size;
		return status;
	} catch (const std::bad_alloc &) {
		return AUTOUSER_CORE_NO_MEMORY;
	} catch (...) {
		return AUTOUSER_CORE_INTERNAL;
	}
}

autouser_core_status autouser_core_rules_evaluate(const char *blob, size_t blob_len,
                                                  const autouser_core_login *login, char *out,
                                                  size_t out_cap, size_t *needed, size_t *n_roles,
                                                  int64_t *matched_rule_id) noexcept {
	try {
		std::size_t size = 0, count = 0;
		autouser_core_status status = AUTOUSER_CORE_INVALID_INPUT;
		if (detail::is_well_formed(blob, blob_len) && login != nullptr &&
		    (out != nullptr || out_cap == 0))
			status = evaluate_rules(detail::as_view(blob, blob_len), *login, out, out_cap, size,
			                        count, matched_rule_id);
		if (needed != nullptr)
			*needed = size;
		if (n_roles != nullptr)
			*n_roles = count;
		return status;
	} catch (const std::bad_alloc &) {
		return AUTOUSER_CORE_NO_MEMORY;
	} catch (...) {
		return AUTOUSER_CORE_INTERNAL;
	}
}

int64_t autouser_core_rules_count(const char *blob, size_t blob_len) noexcept {
	try {
		if (!detail::is_well_formed(blob, blob_len))
			return -1;
		return count_rules(detail::as_view(blob, blob_len));
	} catch (const std::bad_alloc &) {
		return -1;
	} catch (...) {
		return -1;
	}
}

int autouser_core_forbidden_name(const autouser_core_forbidden_config *config, const char *role,
                                 size_t len) noexcept {
	try {
		if (config == nullptr || !detail::is_well_formed(role, len))
			return 1;
		return is_forbidden_name(*config, detail::as_view(role, len)) ? 1 : 0;
	} catch (const std::bad_alloc &) {
		return 1;
	} catch (...) {
		return 1;
	}
}

autouser_core_action autouser_core_decide(const autouser_core_login_facts *facts) noexcept {
	try {
		if (facts == nullptr)
			return AUTOUSER_CORE_ACTION_NONE;
		return decide(*facts);
	} catch (const std::bad_alloc &) {
		return AUTOUSER_CORE_ACTION_REJECT_ROLE_INVALID;
	} catch (...) {
		return AUTOUSER_CORE_ACTION_REJECT_ROLE_INVALID;
	}
}

int autouser_core_action_needs_write(autouser_core_action action) noexcept {
	try {
		return action_needs_write(action) ? 1 : 0;
	} catch (const std::bad_alloc &) {
		return 0;
	} catch (...) {
		return 0;
	}
}

} // extern "C"
