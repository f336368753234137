// quote.cpp -- writes "name" with embedded quotes doubled; does not check buffer sizes or NULs.
#include "quote.hpp"

namespace pg_autouser::core {

std::size_t quoted_size(std::string_view name) noexcept {
	std::size_t size = name.size() + 3; // two quotes and the NUL
	for (char c : name)
		if (c == '"')
			++size;
	return size;
}

void quote_into(std::string_view name, char *out) noexcept {
	*out++ = '"';
	for (char c : name) {
		if (c == '"')
			*out++ = '"';
		*out++ = c;
	}
	*out++ = '"';
	*out = '\0';
}

} // namespace pg_autouser::core
