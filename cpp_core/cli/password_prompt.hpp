// password_prompt.hpp -- a new password read from the terminal (/dev/tty, echo off, asked twice)
// or from a file, for the PKCS#12 bundle `cert issue --p12` writes.
#pragma once

#include <string>

namespace pg_autouser::cli {

// Prompts on /dev/tty with echo off, twice.  UsageError (naming command) when there is no
// terminal; Failure when the two entries differ or are empty.  The terminal's settings are
// restored on every exit path, a signal included.
std::string prompt_new_password(const std::string &command, const std::string &what);

// The first line of path (see password_from_file_text).
std::string read_password_file(const std::string &path);

} // namespace pg_autouser::cli
