// quote.hpp -- SQL identifier quoting ("name", '"' doubled); no validation of the name itself.
#ifndef PG_AUTOUSER_CORE_QUOTE_HPP
#define PG_AUTOUSER_CORE_QUOTE_HPP

#include "detail.hpp"

namespace pg_autouser::core {

// Bytes quote_into() writes for name, terminating NUL included.
std::size_t quoted_size(std::string_view name) noexcept;

// Writes the quoted, NUL-terminated name; out must hold quoted_size(name) bytes.
void quote_into(std::string_view name, char *out) noexcept;

} // namespace pg_autouser::core

#endif
