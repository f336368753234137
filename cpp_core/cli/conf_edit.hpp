// conf_edit.hpp -- pure functions over postgresql.conf text: read a setting the way the server
// does (last assignment wins), and rewrite the block `pg_autouser server setup` manages.  No file
// I/O: server_setup and doctor read and write the files.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace pg_autouser::cli {

struct ConfSetting {
	std::string name;
	std::string value; // unquoted
};

extern const char *const kConfBlockBegin;
extern const char *const kConfBlockEnd;

// One line's assignment ("name = value", "name value", quoted or not); nullopt for blank lines,
// comments and include directives.
std::optional<ConfSetting> parse_conf_line(const std::string &line);

// The value the server would use from this text alone (names are case-insensitive).
std::optional<std::string> conf_value(const std::string &text, const std::string &name);

// 'value' with quotes doubled, as postgresql.conf reads it back.
std::string quote_conf_value(const std::string &value);

// True for the spellings of a true boolean setting (on, true, yes, 1 and prefixes PostgreSQL
// accepts).
bool conf_bool_is_on(const std::string &value);

// Library names in a shared_preload_libraries value (comma-separated, trimmed, "..." unquoted).
std::vector<std::string> split_library_list(const std::string &value);

// value with library appended unless it is already listed.
std::string add_library(const std::string &value, const std::string &library);

// The settings inside the managed block, in order.
std::vector<ConfSetting> managed_block_settings(const std::string &text);

// text without the managed block (if any).
std::string remove_managed_block(const std::string &text);

// text without the old block and with a new block holding settings appended at the end (so it
// overrides earlier lines).
std::string write_managed_block(const std::string &text, const std::vector<ConfSetting> &settings);

} // namespace pg_autouser::cli
