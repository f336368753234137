// cn_check.hpp -- why a certificate CN or subject value cannot be used, in words.  CN rules come
// from the core (autouser_core_check_identity), so the CLI refuses exactly what the server refuses.
#pragma once

#include <optional>
#include <string>

namespace pg_autouser::cli {

// nullopt when cn can be a role name, else the reason ("is longer than 63 bytes ...").
std::optional<std::string> cn_problem(const std::string &cn);

// For database names: as cn_problem, but "pg_" is allowed.
std::optional<std::string> database_name_problem(const std::string &name);

// For O and OU values: non-empty, at most 64 bytes, valid UTF-8, no control characters.
std::optional<std::string> subject_value_problem(const std::string &value);

// value for messages: control characters and bytes of invalid UTF-8 shown as \xNN.
std::string printable(const std::string &value);

} // namespace pg_autouser::cli
