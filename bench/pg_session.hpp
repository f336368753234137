// pg_session.hpp -- thin libpq wrappers: a session that runs SQL (admin work, held sessions)
// and one timed certificate login.  Knows nothing of the benchmark's variants.
#pragma once

#include <libpq-fe.h>

#include <string>
#include <vector>

namespace pg_autouser::bench {

// Where a cluster listens for TLS logins, and what a certificate login presents.
struct Endpoint {
	std::string host;
	std::string port;
	std::string dbname = "postgres";
	std::string root_cert; // CA that signed the server certificate (sslmode=verify-full)
};

// Conninfo of a certificate login as user with the given certificate and key.
std::string cert_conninfo(const Endpoint &endpoint, const std::string &user,
                          const std::string &cert, const std::string &key);

class Session {
  public:
	// Connects or throws std::runtime_error with libpq's message.
	explicit Session(const std::string &conninfo);
	~Session();
	Session(const Session &) = delete;
	Session &operator=(const Session &) = delete;

	// Runs sql with text parameters; throws unless it succeeds.  Returns the rows, each a
	// vector of values (NULL as "").
	std::vector<std::vector<std::string>> query(const std::string &sql,
	                                            const std::vector<std::string> &params = {});
	// The first column of the first row, or "" when there is none.
	std::string value(const std::string &sql, const std::vector<std::string> &params = {});
	void exec(const std::string &sql, const std::vector<std::string> &params = {}) {
		query(sql, params);
	}
	PGconn *conn() const { return conn_; }

  private:
	PGconn *conn_;
};

struct LoginResult {
	bool ok = false;
	double ms = 0;     // connect + SELECT 1 + disconnect, wall clock
	std::string error; // libpq's message when !ok
};

// One certificate login: connect, SELECT 1, disconnect.
LoginResult timed_login(const std::string &conninfo);

} // namespace pg_autouser::bench
