// options.cpp -- encodes a rule's options into its blob record and merges the options of the
// rules a login matches: the first rule giving an option (blob order) decides how it merges;
// FIRST keeps that rule's value, LOWEST_RANK the value of lowest rank.  No option is special here.
#include "options.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <tuple>

namespace pg_autouser::core {

namespace {

constexpr std::uint64_t kMaxField = std::numeric_limits<std::uint32_t>::max();

bool text_ok(const autouser_core_str &s) noexcept {
	return detail::is_well_formed(s) && s.len <= kMaxField &&
	       detail::as_view(s).find('\0') == std::string_view::npos;
}

bool option_ok(const autouser_core_option &option) noexcept {
	return (option.kind == AUTOUSER_CORE_OPTION_ATTRIBUTE ||
	        option.kind == AUTOUSER_CORE_OPTION_SETTING) &&
	       (option.merge == AUTOUSER_CORE_MERGE_FIRST ||
	        option.merge == AUTOUSER_CORE_MERGE_LOWEST_RANK) &&
	       option.name.len > 0 && text_ok(option.name) && text_ok(option.value);
}

} // namespace

std::uint64_t options_size(const autouser_core_rule &rule) noexcept {
	if ((rule.options == nullptr && rule.n_options != 0) || rule.n_options > kMaxField)
		return 0;
	std::uint64_t size = 4;
	for (std::size_t i = 0; i < rule.n_options; ++i) {
		const autouser_core_option &option = rule.options[i];
		if (!option_ok(option))
			return 0;
		size += 1 + 4 + option.name.len + 4 + option.value.len + 1 + 8;
		if (size > kMaxField)
			return 0;
	}
	return size;
}

void write_options(detail::Writer &w, const autouser_core_rule &rule) noexcept {
	w.write_u32(static_cast<std::uint32_t>(rule.n_options));
	for (std::size_t i = 0; i < rule.n_options; ++i) {
		const autouser_core_option &option = rule.options[i];
		w.write_u8(static_cast<std::uint8_t>(option.kind));
		w.write_str(detail::as_view(option.name));
		w.write_str(detail::as_view(option.value));
		w.write_u8(static_cast<std::uint8_t>(option.merge));
		w.write_i64(option.rank);
	}
}

bool OptionMerge::add(const detail::RuleRecord &rule) {
	detail::Reader reader(rule.options);
	for (std::uint32_t i = 0; i < rule.n_options; ++i) {
		detail::OptionRecord option;
		if (!detail::read_option(reader, option))
			return false;
		auto same = std::find_if(merged_.begin(), merged_.end(), [&](const auto &m) {
			return m.kind == option.kind && m.name == option.name;
		});
		if (same == merged_.end())
			merged_.push_back(option);
		else if (same->merge == AUTOUSER_CORE_MERGE_LOWEST_RANK && option.rank < same->rank) {
			same->value = option.value;
			same->rank = option.rank;
		}
	}
	return reader.at_end();
}

void OptionMerge::sort() {
	std::sort(merged_.begin(), merged_.end(), [](const auto &a, const auto &b) {
		return std::tie(a.kind, a.name) < std::tie(b.kind, b.name);
	});
}

std::size_t OptionMerge::output_bytes() const noexcept {
	std::size_t bytes = 0;
	for (const detail::OptionRecord &option : merged_)
		bytes += 1 + option.name.size() + 1 + option.value.size() + 1;
	return bytes;
}

char *OptionMerge::write(char *out) const noexcept {
	for (const detail::OptionRecord &option : merged_) {
		*out++ = static_cast<char>(option.kind);
		std::memcpy(out, option.name.data(), option.name.size());
		out += option.name.size();
		*out++ = '\0';
		std::memcpy(out, option.value.data(), option.value.size());
		out += option.value.size();
		*out++ = '\0';
	}
	return out;
}

} // namespace pg_autouser::core
