// pg_session.cpp -- libpq calls for the benchmark: SQL sessions and the timed login.
#include "pg_session.hpp"

#include <chrono>
#include <stdexcept>

namespace pg_autouser::bench {

namespace {

std::string trimmed(const char *msg) {
	std::string s = msg ? msg : "";
	while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
		s.pop_back();
	return s;
}

} // namespace

std::string cert_conninfo(const Endpoint &endpoint, const std::string &user,
                          const std::string &cert, const std::string &key) {
	// gssencmode=disable: otherwise libpq may first try GSS encryption, a cost the server
	// never sees.
	return "host=" + endpoint.host + " port=" + endpoint.port + " dbname=" + endpoint.dbname +
	       " user=" + user + " sslmode=verify-full sslrootcert=" + endpoint.root_cert +
	       " sslcert=" + cert + " sslkey=" + key + " gssencmode=disable connect_timeout=60";
}

Session::Session(const std::string &conninfo) : conn_(PQconnectdb(conninfo.c_str())) {
	if (PQstatus(conn_) != CONNECTION_OK) {
		std::string msg = trimmed(PQerrorMessage(conn_));
		PQfinish(conn_);
		throw std::runtime_error(msg);
	}
}

Session::~Session() { PQfinish(conn_); }

std::vector<std::vector<std::string>> Session::query(const std::string &sql,
                                                     const std::vector<std::string> &params) {
	std::vector<const char *> values;
	for (const std::string &p : params)
		values.push_back(p.c_str());
	PGresult *res = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
	                             values.data(), nullptr, nullptr, 0);
	ExecStatusType st = PQresultStatus(res);
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
		std::string msg = trimmed(PQresultErrorMessage(res));
		PQclear(res);
		throw std::runtime_error(msg + " (in: " + sql.substr(0, 80) + ")");
	}
	std::vector<std::vector<std::string>> rows;
	for (int r = 0; r < PQntuples(res); r++) {
		std::vector<std::string> row;
		for (int c = 0; c < PQnfields(res); c++)
			row.emplace_back(PQgetvalue(res, r, c));
		rows.push_back(std::move(row));
	}
	PQclear(res);
	return rows;
}

std::string Session::value(const std::string &sql, const std::vector<std::string> &params) {
	auto rows = query(sql, params);
	return rows.empty() || rows[0].empty() ? std::string() : rows[0][0];
}

LoginResult timed_login(const std::string &conninfo) {
	LoginResult result;
	auto start = std::chrono::steady_clock::now();
	PGconn *conn = PQconnectdb(conninfo.c_str());
	if (PQstatus(conn) != CONNECTION_OK) {
		result.error = trimmed(PQerrorMessage(conn));
	} else {
		PGresult *res = PQexec(conn, "SELECT 1");
		if (PQresultStatus(res) == PGRES_TUPLES_OK)
			result.ok = true;
		else
			result.error = trimmed(PQresultErrorMessage(res));
		PQclear(res);
	}
	PQfinish(conn);
	result.ms =
	    std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
	return result;
}

} // namespace pg_autouser::bench
