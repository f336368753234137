// template.hpp -- role entries: {{cert.X}} parsing, classification, expansion; no rule matching.
#ifndef PG_AUTOUSER_CORE_TEMPLATE_HPP
#define PG_AUTOUSER_CORE_TEMPLATE_HPP

#include "detail.hpp"

#include <string>
#include <vector>

namespace pg_autouser::core {

// One piece of a role entry: literal text, or the attribute short name of a {{cert.X}}.
struct TemplatePiece {
	std::string_view text;
	bool is_attr;
};

namespace detail {

inline bool has_at(std::string_view s, std::size_t pos, std::string_view what) noexcept {
	return pos <= s.size() && s.size() - pos >= what.size() && s.substr(pos, what.size()) == what;
}

inline bool is_alpha(char c) noexcept { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

inline bool is_alnum(char c) noexcept { return is_alpha(c) || (c >= '0' && c <= '9'); }

} // namespace detail

// Calls on_piece(TemplatePiece) for each piece of entry, in order.  Returns false (possibly after
// some calls) if a "{{" does not open a well-formed {{cert.<[A-Za-z][A-Za-z0-9]*>}} or a "}}"
// appears outside one.  Single braces are literal text.
template <typename OnPiece> bool split_template(std::string_view entry, OnPiece &&on_piece) {
	constexpr std::string_view kOpen = "{{cert.";
	constexpr std::string_view kClose = "}}";
	std::size_t literal_start = 0, i = 0;
	while (i < entry.size()) {
		if (detail::has_at(entry, i, kClose))
			return false;
		if (!detail::has_at(entry, i, "{{")) {
			++i;
			continue;
		}
		if (!detail::has_at(entry, i, kOpen))
			return false;
		std::size_t name_start = i + kOpen.size(), j = name_start;
		if (j >= entry.size() || !detail::is_alpha(entry[j]))
			return false;
		while (j < entry.size() && detail::is_alnum(entry[j]))
			++j;
		if (!detail::has_at(entry, j, kClose))
			return false;
		if (i > literal_start)
			on_piece(TemplatePiece{entry.substr(literal_start, i - literal_start), false});
		on_piece(TemplatePiece{entry.substr(name_start, j - name_start), true});
		i = j + kClose.size();
		literal_start = i;
	}
	if (literal_start < entry.size())
		on_piece(TemplatePiece{entry.substr(literal_start), false});
	return true;
}

autouser_core_role_entry_kind classify_role_entry(std::string_view entry) noexcept;

// The most roles one entry may expand to (product of distinct values of its attributes).
constexpr std::size_t kMaxExpansionsPerEntry = 1024;

enum class ExpandStatus {
	Ok,        // zero or more roles appended
	BadName,   // an expansion is not a valid role name; it is in bad
	TooMany,   // more than kMaxExpansionsPerEntry combinations; the entry is in bad
	Malformed, // the entry's braces do not parse
};

struct AttrList {
	const autouser_core_attr *items;
	std::size_t count;
};

// A role name an entry gave, and whether certificate text made it (the entry holds a
// {{cert.X}}), which is what decide() holds to the stricter template policy of SPEC 6.
struct ExpandedRole {
	std::string name;
	bool from_template;
};

// Appends to roles every expansion of entry over attrs (cartesian product over templates; an
// attribute with no value yields no role).  A plain name is appended as is.  Stops at the first
// bad expansion, which it leaves in bad.
ExpandStatus expand_role_entry(std::string_view entry, AttrList attrs,
                               std::vector<ExpandedRole> &roles, ExpandedRole &bad);

} // namespace pg_autouser::core

#endif
