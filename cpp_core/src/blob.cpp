// blob.cpp -- encodes/decodes blob fields with explicit bounds checks; no rule semantics.
#include "blob.hpp"

namespace pg_autouser::core::detail {

void Writer::write_u8(std::uint8_t v) noexcept { *out_++ = static_cast<char>(v); }

void Writer::write_u32(std::uint32_t v) noexcept {
	for (int i = 0; i < 4; ++i, v >>= 8)
		*out_++ = static_cast<char>(v & 0xffu);
}

void Writer::write_i64(std::int64_t v) noexcept {
	auto u = static_cast<std::uint64_t>(v);
	for (int i = 0; i < 8; ++i, u >>= 8)
		*out_++ = static_cast<char>(u & 0xffu);
}

void Writer::write_bytes(std::string_view v) noexcept {
	for (char c : v)
		*out_++ = c;
}

void Writer::write_str(std::string_view v) noexcept {
	write_u32(static_cast<std::uint32_t>(v.size()));
	write_bytes(v);
}

bool read_blob_header(std::string_view blob, std::uint32_t &n_rules,
                      std::string_view &body) noexcept {
	Reader header(blob);
	std::string_view magic;
	std::uint32_t version = 0, body_len = 0;
	if (!header.read_bytes(kBlobMagic.size(), magic) || magic != kBlobMagic)
		return false;
	if (!header.read_u32(version) || version != kBlobVersion)
		return false;
	if (!header.read_u32(n_rules) || !header.read_u32(body_len))
		return false;
	if (blob.size() - kBlobHeaderBytes != body_len)
		return false;
	body = blob.substr(kBlobHeaderBytes);
	return true;
}

bool read_rule_record(Reader &body, RuleRecord &record) noexcept {
	std::string_view bytes;
	std::uint32_t record_len = 0;
	if (!body.read_u32(record_len) || !body.read_bytes(record_len, bytes))
		return false;
	Reader r(bytes);
	std::uint8_t has_ou = 0;
	if (!r.read_i64(record.id) || !r.read_str(record.identity) || !r.read_str(record.database) ||
	    !r.read_u8(has_ou) || has_ou > 1 || !r.read_str(record.cert_ou) ||
	    !r.read_u32(record.n_roles))
		return false;
	record.has_cert_ou = has_ou == 1;
	if (!record.has_cert_ou && !record.cert_ou.empty())
		return false;
	const std::string_view from_roles = r.remaining();
	for (std::uint32_t i = 0; i < record.n_roles; ++i) {
		std::string_view role;
		if (!r.read_str(role))
			return false;
	}
	record.roles = from_roles.substr(0, from_roles.size() - r.remaining().size());
	if (!r.read_u32(record.n_options))
		return false;
	record.options = r.remaining();
	for (std::uint32_t i = 0; i < record.n_options; ++i) {
		OptionRecord option;
		if (!read_option(r, option))
			return false;
	}
	return r.at_end();
}

bool read_option(Reader &r, OptionRecord &option) noexcept {
	if (!r.read_u8(option.kind) || option.kind > AUTOUSER_CORE_OPTION_SETTING ||
	    !r.read_str(option.name) || !r.read_str(option.value) || !r.read_u8(option.merge) ||
	    option.merge > AUTOUSER_CORE_MERGE_LOWEST_RANK || !r.read_i64(option.rank))
		return false;
	return !option.name.empty() && option.name.find('\0') == std::string_view::npos &&
	       option.value.find('\0') == std::string_view::npos;
}

} // namespace pg_autouser::core::detail
