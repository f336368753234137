// file_util.cpp -- POSIX file I/O behind file_util.hpp.  Writes go to a temporary file in the same
// directory and are renamed into place, so a crash never leaves a half-written config or key.
#include "file_util.hpp"

#include "errors.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

namespace pg_autouser::cli {

namespace {

std::string errno_text() { return std::strerror(errno); }

void write_all(int fd, const std::string &data, const std::string &path) {
	std::size_t done = 0;
	while (done < data.size()) {
		ssize_t n = ::write(fd, data.data() + done, data.size() - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			throw Failure("cannot write \"" + path + "\": " + errno_text());
		done += static_cast<std::size_t>(n);
	}
	if (::fsync(fd) != 0)
		throw Failure("cannot sync \"" + path + "\": " + errno_text());
}

std::string utc_timestamp() {
	std::time_t now = std::time(nullptr);
	std::tm tm_utc{};
	gmtime_r(&now, &tm_utc);
	char buf[32];
	std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm_utc);
	return buf;
}

} // namespace

bool path_exists(const std::string &path) {
	struct stat st;
	return ::lstat(path.c_str(), &st) == 0;
}

bool is_directory(const std::string &path) {
	struct stat st;
	return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

unsigned file_mode(const std::string &path) {
	struct stat st;
	if (::stat(path.c_str(), &st) != 0)
		throw Failure("cannot stat \"" + path + "\": " + errno_text());
	return st.st_mode & 07777;
}

std::string read_file(const std::string &path) {
	int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		throw Failure("cannot read \"" + path + "\": " + errno_text());
	std::string data;
	char buf[8192];
	for (;;) {
		ssize_t n = ::read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			std::string why = errno_text();
			::close(fd);
			throw Failure("cannot read \"" + path + "\": " + why);
		}
		if (n == 0)
			break;
		data.append(buf, static_cast<std::size_t>(n));
	}
	::close(fd);
	return data;
}

void ensure_directory(const std::string &dir) {
	// Like mkdir -p: each missing component in turn.
	for (std::size_t end = dir.find('/', 1);; end = dir.find('/', end + 1)) {
		std::string part = dir.substr(0, end);
		if (!part.empty() && !is_directory(part) && ::mkdir(part.c_str(), 0700) != 0 &&
		    errno != EEXIST)
			throw Failure("cannot create directory \"" + part + "\": " + errno_text());
		if (end == std::string::npos)
			break;
	}
}

std::string absolute_path(const std::string &path) {
	if (!path.empty() && path[0] == '/')
		return path;
	std::vector<char> buf(4096);
	if (::getcwd(buf.data(), buf.size()) == nullptr)
		throw Failure("cannot get the current directory: " + errno_text());
	return join_path(buf.data(), path);
}

std::string join_path(const std::string &dir, const std::string &name) {
	if (dir.empty() || dir.back() == '/')
		return dir + name;
	return dir + "/" + name;
}

void write_new_file(const std::string &path, const std::string &data, unsigned mode) {
	int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		throw Failure("cannot create \"" + path + "\": " + errno_text());
	try {
		// The umask may have cleared bits of mode; set it exactly.
		if (::fchmod(fd, mode) != 0)
			throw Failure("cannot chmod \"" + path + "\": " + errno_text());
		write_all(fd, data, path);
	} catch (...) {
		::close(fd);
		::unlink(path.c_str());
		throw;
	}
	::close(fd);
}

void replace_file(const std::string &path, const std::string &data, unsigned mode,
                  const std::string &owner_of) {
	std::string tmpl = path + ".tmpXXXXXX";
	std::vector<char> name(tmpl.begin(), tmpl.end());
	name.push_back('\0');
	int fd = ::mkstemp(name.data());
	if (fd < 0)
		throw Failure("cannot create a temporary file next to \"" + path + "\": " + errno_text());
	std::string tmp = name.data();
	try {
		if (::fchmod(fd, mode) != 0)
			throw Failure("cannot chmod \"" + tmp + "\": " + errno_text());
		struct stat owner;
		if (::geteuid() == 0 && ::stat(owner_of.c_str(), &owner) == 0 &&
		    ::fchown(fd, owner.st_uid, owner.st_gid) != 0)
			throw Failure("cannot chown \"" + tmp + "\": " + errno_text());
		write_all(fd, data, tmp);
		::close(fd);
		fd = -1;
		if (::rename(tmp.c_str(), path.c_str()) != 0)
			throw Failure("cannot rename \"" + tmp + "\" to \"" + path + "\": " + errno_text());
	} catch (...) {
		if (fd >= 0)
			::close(fd);
		::unlink(tmp.c_str());
		throw;
	}
}

std::string backup_file(const std::string &path) {
	std::string base = path + ".pg_autouser-backup-" + utc_timestamp();
	std::string backup = base;
	for (int n = 1; path_exists(backup); ++n)
		backup = base + "-" + std::to_string(n);
	replace_file(backup, read_file(path), file_mode(path), path);
	return backup;
}

} // namespace pg_autouser::cli
