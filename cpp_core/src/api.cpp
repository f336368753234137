// api.cpp -- every extern "C" entry point of core_api.h: argument checks, then a call into the
// core, all through guarded(), the only place exceptions are caught.  No policy of its own.
//
// What each entry point returns when its arguments are malformed (a NULL pointer with a non-zero
// length or count) or an exception escapes the core (only std::bad_alloc is expected), and why
// the caller cannot mistake it for success:
//   check_identity   -> IDENTITY_EMPTY (malformed) / IDENTITY_BAD_UTF8 (exception): refused.
//   quote_identifier -> INVALID_INPUT / NO_MEMORY / INTERNAL, *needed = 0: nothing to splice.
//   glob_match       -> 0: an unreadable pattern or text matches nothing.  Nothing can throw
//                       here; rule evaluation does not use this entry point.
//   check_pattern    -> PATTERN_EMPTY / PATTERN_BAD_UTF8: the pattern is refused.
//   classify_role_entry -> ROLE_ENTRY_INVALID: the entry is refused.
//   rules_encode     -> INVALID_INPUT / NO_MEMORY / INTERNAL, *needed = 0: nothing to publish.
//   rules_evaluate   -> INVALID_INPUT / NO_MEMORY / INTERNAL with *result all zero: neither OK
//                       nor NO_MATCH, so the caller cannot read it as "no rule, not ours".
//   decide           -> INVALID_INPUT / NO_MEMORY / INTERNAL with *out = REJECT_ROLE_INVALID,
//                       needs_write 0, bad_role and bad_ancestor -1: a rejection, never NONE or
//                       an admitting action.  A NULL out gets INVALID_INPUT and nothing written.
// Out-parameters are set to those values before the core runs, and the core's results are
// copied out only once it has finished, so an exception never leaves a half-written answer.
#include "decision.hpp"
#include "glob.hpp"
#include "identity.hpp"
#include "quote.hpp"
#include "rules.hpp"
#include "template.hpp"

#include <new>
#include <type_traits>

using namespace pg_autouser::core;

namespace {

// Runs body and returns its value, or fallback if anything is thrown, so that no exception
// reaches the noexcept C boundary (that would be std::terminate: a crashed backend and every
// connection restarted).  The same job as pg_duckdb's InvokeCPPFunc, except that the core may
// not raise a PostgreSQL error, so it answers with a value.  For a status, std::bad_alloc
// answers NO_MEMORY, so the glue can say why.
template <typename T, typename Body> T guarded(T fallback, Body &&body) noexcept {
	try {
		return body();
	} catch (const std::bad_alloc &) {
		if constexpr (std::is_same_v<T, autouser_core_status>)
			return AUTOUSER_CORE_NO_MEMORY;
		else
			return fallback;
	} catch (...) {
		return fallback;
	}
}

} // namespace

extern "C" {

autouser_core_identity_check autouser_core_check_identity(const char *name, size_t len) noexcept {
	return guarded(AUTOUSER_CORE_IDENTITY_BAD_UTF8, [&] {
		if (!detail::is_well_formed(name, len))
			return AUTOUSER_CORE_IDENTITY_EMPTY;
		return check_identity(detail::as_view(name, len));
	});
}

autouser_core_status autouser_core_quote_identifier(const char *name, size_t len, char *out,
                                                    size_t out_cap, size_t *needed) noexcept {
	if (needed != nullptr)
		*needed = 0;
	return guarded(AUTOUSER_CORE_INTERNAL, [&] {
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
	});
}

int autouser_core_glob_match(const char *pattern, size_t pattern_len, const char *text,
                             size_t text_len) noexcept {
	return guarded(0, [&] {
		if (!detail::is_well_formed(pattern, pattern_len) ||
		    !detail::is_well_formed(text, text_len))
			return 0;
		return glob_match(detail::as_view(pattern, pattern_len), detail::as_view(text, text_len))
		           ? 1
		           : 0;
	});
}

autouser_core_pattern_check autouser_core_check_pattern(const char *pattern, size_t len) noexcept {
	return guarded(AUTOUSER_CORE_PATTERN_BAD_UTF8, [&] {
		if (!detail::is_well_formed(pattern, len))
			return AUTOUSER_CORE_PATTERN_EMPTY;
		return check_pattern(detail::as_view(pattern, len));
	});
}

autouser_core_role_entry_kind autouser_core_classify_role_entry(const char *entry,
                                                                size_t len) noexcept {
	return guarded(AUTOUSER_CORE_ROLE_ENTRY_INVALID, [&] {
		if (!detail::is_well_formed(entry, len))
			return AUTOUSER_CORE_ROLE_ENTRY_INVALID;
		return classify_role_entry(detail::as_view(entry, len));
	});
}

autouser_core_status autouser_core_rules_encode(const autouser_core_rule *rules, size_t n_rules,
                                                char *out, size_t out_cap,
                                                size_t *needed) noexcept {
	if (needed != nullptr)
		*needed = 0;
	return guarded(AUTOUSER_CORE_INTERNAL, [&] {
		if (out == nullptr && out_cap != 0)
			return AUTOUSER_CORE_INVALID_INPUT;
		std::size_t size = 0;
		autouser_core_status status = encode_rules(rules, n_rules, out, out_cap, size);
		if (needed != nullptr)
			*needed = size;
		return status;
	});
}

autouser_core_status autouser_core_rules_evaluate(const char *blob, size_t blob_len,
                                                  const autouser_core_login *login, char *out,
                                                  size_t out_cap,
                                                  autouser_core_eval_result *result) noexcept {
	if (result != nullptr)
		*result = autouser_core_eval_result{};
	return guarded(AUTOUSER_CORE_INTERNAL, [&] {
		if (result == nullptr || !detail::is_well_formed(blob, blob_len) || login == nullptr ||
		    (out == nullptr && out_cap != 0))
			return AUTOUSER_CORE_INVALID_INPUT;
		autouser_core_eval_result local{};
		autouser_core_status status =
		    evaluate_rules(detail::as_view(blob, blob_len), *login, out, out_cap, local);
		*result = local;
		return status;
	});
}

autouser_core_status autouser_core_decide(const autouser_core_decision_input *in,
                                          autouser_core_decision *out) noexcept {
	if (out == nullptr)
		return AUTOUSER_CORE_INVALID_INPUT;
	*out = kRejectInvalid;
	return guarded(AUTOUSER_CORE_INTERNAL, [&] {
		if (in == nullptr)
			return AUTOUSER_CORE_INVALID_INPUT;
		autouser_core_decision local = kRejectInvalid;
		autouser_core_status status = decide(*in, local);
		*out = local;
		return status;
	});
}

} // extern "C"
