// password_prompt.cpp -- reads a password from the controlling terminal with echo off.  The
// terminal settings are saved in a static so that a signal arriving mid-prompt can restore them
// before the process dies (otherwise the user's shell is left without echo).
#include "password_prompt.hpp"

#include "cert_options.hpp"
#include "errors.hpp"
#include "file_util.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <iterator>
#include <termios.h>
#include <unistd.h>

namespace pg_autouser::cli {

namespace {

int g_tty_fd = -1;
struct termios g_saved;
const int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

extern "C" void restore_and_reraise(int sig) {
	if (g_tty_fd >= 0)
		::tcsetattr(g_tty_fd, TCSAFLUSH, &g_saved);
	::signal(sig, SIG_DFL);
	::raise(sig);
}

// Echo off for its lifetime; restores the terminal and the signal handlers after.
class EchoOff {
  public:
	explicit EchoOff(int fd) {
		if (::tcgetattr(fd, &g_saved) != 0)
			throw Failure(std::string("cannot read the terminal's settings: ") +
			              std::strerror(errno));
		g_tty_fd = fd;
		for (std::size_t i = 0; i < std::size(kSignals); ++i)
			old_[i] = ::signal(kSignals[i], restore_and_reraise);
		struct termios quiet = g_saved;
		quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
		quiet.c_lflag |= ECHONL;
		if (::tcsetattr(fd, TCSAFLUSH, &quiet) != 0) {
			restore();
			throw Failure(std::string("cannot turn the terminal's echo off: ") +
			              std::strerror(errno));
		}
	}
	~EchoOff() { restore(); }
	EchoOff(const EchoOff &) = delete;
	EchoOff &operator=(const EchoOff &) = delete;

  private:
	void restore() {
		::tcsetattr(g_tty_fd, TCSADRAIN, &g_saved); // keeps what was typed since
		for (std::size_t i = 0; i < std::size(kSignals); ++i)
			::signal(kSignals[i], old_[i]);
		g_tty_fd = -1;
	}
	void (*old_[std::size(kSignals)])(int);
};

void write_text(int fd, const std::string &text) {
	std::size_t done = 0;
	while (done < text.size()) {
		ssize_t n = ::write(fd, text.data() + done, text.size() - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			throw Failure(std::string("cannot write to the terminal: ") + std::strerror(errno));
		done += static_cast<std::size_t>(n);
	}
}

std::string read_line(int fd) {
	std::string line;
	for (;;) {
		char c;
		ssize_t n = ::read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			throw Failure(std::string("cannot read from the terminal: ") + std::strerror(errno));
		if (n == 0 || c == '\n')
			return line;
		line += c;
	}
}

std::string ask(int fd, const std::string &prompt) {
	// Echo goes off (discarding type-ahead) before the prompt appears, so nothing typed after
	// the prompt is lost or echoed.
	EchoOff quiet(fd);
	write_text(fd, prompt);
	std::string answer = read_line(fd);
	if (!answer.empty() && answer.back() == '\r')
		answer.pop_back();
	return answer;
}

} // namespace

std::string prompt_new_password(const std::string &command, const std::string &what) {
	int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		throw UsageError(command, "there is no terminal to ask for the " + what +
		                              " password on; give it with --p12-password-file FILE");
	try {
		std::string first = ask(fd, "Enter the " + what + " password: ");
		if (first.empty())
			throw Failure("the " + what + " password may not be empty");
		std::string second = ask(fd, "Enter it again: ");
		if (first != second)
			throw Failure("the two " + what + " passwords differ; nothing was written");
		::close(fd);
		return first;
	} catch (...) {
		::close(fd);
		throw;
	}
}

std::string read_password_file(const std::string &path) {
	return password_from_file_text(read_file(path), path);
}

} // namespace pg_autouser::cli
