// conninfo.cpp -- quoting for libpq conninfo strings and pg_service.conf, and CN file names.
#include "conninfo.hpp"

#include "errors.hpp"

#include <cctype>
#include <utility>
#include <vector>

namespace pg_autouser::cli {

namespace {

bool plain_conninfo_char(char c) {
	return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '/' ||
	       c == ':' || c == '@' || c == ',' || c == '+' || c == '-';
}

std::vector<std::pair<std::string, std::string>> keywords(const ClientParams &params) {
	std::vector<std::pair<std::string, std::string>> out{{"host", params.host},
	                                                     {"port", params.port},
	                                                     {"dbname", params.dbname},
	                                                     {"user", params.user},
	                                                     {"sslmode", "verify-full"}};
	if (params.sslrootcert)
		out.emplace_back("sslrootcert", *params.sslrootcert);
	out.emplace_back("sslcert", params.sslcert);
	out.emplace_back("sslkey", params.sslkey);
	return out;
}

void check_service_value(const std::string &key, const std::string &value) {
	bool bad = value.empty() || value.find_first_of("\r\n") != std::string::npos ||
	           std::isspace(static_cast<unsigned char>(value.front())) ||
	           std::isspace(static_cast<unsigned char>(value.back()));
	if (bad)
		throw Failure(
		    key + " \"" + value +
		    "\" cannot be written to pg_service.conf (empty, a line break, or white space "
		    "at either end)");
}

} // namespace

std::string quote_conninfo_value(const std::string &value) {
	bool plain = !value.empty();
	for (char c : value)
		plain = plain && plain_conninfo_char(c);
	if (plain)
		return value;
	std::string out = "'";
	for (char c : value) {
		if (c == '\\' || c == '\'')
			out += '\\';
		out += c;
	}
	return out + "'";
}

std::string build_conninfo(const ClientParams &params) {
	std::string out;
	for (const auto &[key, value] : keywords(params)) {
		if (!out.empty())
			out += ' ';
		out += key + "=" + quote_conninfo_value(value);
	}
	return out;
}

std::string build_service_section(const std::string &name, const ClientParams &params) {
	if (name.empty() || name.find_first_of("[]\r\n") != std::string::npos)
		throw Failure("service name \"" + name + "\" cannot be a pg_service.conf section");
	check_service_value("service name", name);
	std::string out = "[" + name + "]\n";
	for (const auto &[key, value] : keywords(params)) {
		check_service_value(key, value);
		out += key + "=" + value + "\n";
	}
	return out;
}

std::string percent_encode(const std::string &value, const std::string &keep) {
	static const char kHex[] = "0123456789ABCDEF";
	std::string out;
	for (char ch : value) {
		auto c = static_cast<unsigned char>(ch);
		if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
		    keep.find(ch) != std::string::npos) {
			out += ch;
		} else {
			out += '%';
			out += kHex[c >> 4];
			out += kHex[c & 0xf];
		}
	}
	return out;
}

std::string build_jdbc_url(const ClientParams &params) {
	bool ipv6 = params.host.find(':') != std::string::npos;
	for (char c : params.host)
		if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ||
		      (ipv6 && c == ':')))
			throw Failure("host \"" + params.host +
			              "\" cannot be written in a JDBC URL (a DNS name or an IP address)");
	std::string url = "jdbc:postgresql://" + (ipv6 ? "[" + params.host + "]" : params.host) + ":" +
	                  params.port + "/" + percent_encode(params.dbname) + "?";
	std::vector<std::pair<std::string, std::string>> query{{"user", params.user},
	                                                       {"sslmode", "verify-full"},
	                                                       {"sslcert", params.sslcert},
	                                                       {"sslkey", params.sslkey}};
	if (params.sslrootcert)
		query.emplace_back("sslrootcert", *params.sslrootcert);
	for (std::size_t i = 0; i < query.size(); ++i) {
		// Paths keep '/', which a query component may hold (RFC 3986, 3.4) and pgjdbc splits
		// on nothing but '&' and the first '='.
		const std::string keep = query[i].first == "user" ? "" : "/";
		url += (i == 0 ? "" : "&") + query[i].first + "=" + percent_encode(query[i].second, keep);
	}
	return url;
}

std::string safe_file_stem(const std::string &cn) {
	static const char kHex[] = "0123456789ABCDEF";
	std::string out;
	for (std::size_t i = 0; i < cn.size(); ++i) {
		auto c = static_cast<unsigned char>(cn[i]);
		bool keep = std::isalnum(c) || c == '_' || c == '-' || (c == '.' && i > 0);
		if (keep) {
			out += static_cast<char>(c);
		} else {
			out += '%';
			out += kHex[c >> 4];
			out += kHex[c & 0xf];
		}
	}
	return out;
}

} // namespace pg_autouser::cli
