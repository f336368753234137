// file_util.hpp -- the file operations the CLI needs: read, create-only-if-absent with a mode,
// replace atomically (keeping mode and owner), timestamped backups.  All failures are Failure.
#pragma once

#include <string>

namespace pg_autouser::cli {

bool path_exists(const std::string &path);
bool is_directory(const std::string &path);
std::string read_file(const std::string &path);
// Creates dir and any missing parents (mode 0700), like mkdir -p.
void ensure_directory(const std::string &dir);
// path made absolute against the current directory (not resolving symlinks).
std::string absolute_path(const std::string &path);
std::string join_path(const std::string &dir, const std::string &name);

// Creates path with exactly mode; Failure if it already exists.
void write_new_file(const std::string &path, const std::string &data, unsigned mode);

// Writes path through a temporary file and rename().  The new file gets mode, and the owner of
// owner_of (a file or directory) when running as root, so a root-run setup leaves files the
// server's user can read.
void replace_file(const std::string &path, const std::string &data, unsigned mode,
                  const std::string &owner_of);

// Copies path to "<path>.pg_autouser-backup-<UTC timestamp>" (same mode and owner); returns the
// backup's path.
std::string backup_file(const std::string &path);

// The permission bits of path.
unsigned file_mode(const std::string &path);

} // namespace pg_autouser::cli
