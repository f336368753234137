// template.cpp -- classifies and expands role entries against subject attributes; no rule logic.
#include "template.hpp"

#include "identity.hpp"

#include <algorithm>

namespace pg_autouser::core {

namespace {

// Distinct values of attribute `name`, in subject order.
std::vector<std::string_view> values_of(std::string_view name, AttrList attrs) {
	std::vector<std::string_view> values;
	for (std::size_t i = 0; i < attrs.count; ++i) {
		if (detail::as_view(attrs.items[i].name) != name)
			continue;
		std::string_view value = detail::as_view(attrs.items[i].value);
		if (std::find(values.begin(), values.end(), value) == values.end())
			values.push_back(value);
	}
	return values;
}

// Odometer step over the attribute pieces; false once every combination was visited.
bool advance(std::vector<std::size_t> &pick,
             const std::vector<std::vector<std::string_view>> &choices) {
	for (std::size_t k = pick.size(); k-- > 0;) {
		if (choices[k].empty())
			continue; // a literal piece
		if (++pick[k] < choices[k].size())
			return true;
		pick[k] = 0;
	}
	return false;
}

} // namespace

autouser_core_role_entry_kind classify_role_entry(std::string_view entry) noexcept {
	if (entry.empty() || has_control_char(entry) || !is_valid_utf8(entry))
		return AUTOUSER_CORE_ROLE_ENTRY_INVALID;
	std::size_t literal = 0;
	bool has_attr = false;
	bool ok = split_template(entry, [&](const TemplatePiece &piece) {
		if (piece.is_attr)
			has_attr = true;
		else
			literal += piece.text.size();
	});
	if (!ok || literal > detail::kMaxRoleBytes)
		return AUTOUSER_CORE_ROLE_ENTRY_INVALID;
	return has_attr ? AUTOUSER_CORE_ROLE_ENTRY_TEMPLATE : AUTOUSER_CORE_ROLE_ENTRY_NAME;
}

ExpandStatus expand_role_entry(std::string_view entry, AttrList attrs,
                               std::vector<ExpandedRole> &roles, ExpandedRole &bad) {
	std::vector<TemplatePiece> pieces;
	bool from_template = false;
	if (!split_template(entry, [&](const TemplatePiece &piece) {
		    pieces.push_back(piece);
		    from_template = from_template || piece.is_attr;
	    }))
		return ExpandStatus::Malformed;

	// choices[k] is empty for literal pieces, the distinct attribute values otherwise.
	std::vector<std::vector<std::string_view>> choices(pieces.size());
	std::size_t combinations = 1;
	for (std::size_t k = 0; k < pieces.size(); ++k) {
		if (!pieces[k].is_attr)
			continue;
		choices[k] = values_of(pieces[k].text, attrs);
		if (choices[k].empty())
			return ExpandStatus::Ok; // a missing attribute expands to no role
		combinations *= choices[k].size();
		if (combinations > kMaxExpansionsPerEntry) {
			bad = ExpandedRole{std::string(entry), true};
			return ExpandStatus::TooMany;
		}
	}

	std::vector<std::size_t> pick(pieces.size(), 0);
	do {
		std::string name;
		for (std::size_t k = 0; k < pieces.size(); ++k)
			name += pieces[k].is_attr ? choices[k][pick[k]] : pieces[k].text;
		if (!is_valid_role_name(name)) {
			bad = ExpandedRole{std::move(name), from_template};
			return ExpandStatus::BadName;
		}
		roles.push_back(ExpandedRole{std::move(name), from_template});
	} while (advance(pick, choices));
	return ExpandStatus::Ok;
}

} // namespace pg_autouser::core
