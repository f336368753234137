// hba_edit.cpp -- a pg_hba.conf tokenizer good enough to recognise records (whitespace-separated
// fields, "..." quoting, # comments); it never rewrites an existing line.
#include "hba_edit.hpp"

#include <sstream>

namespace pg_autouser::cli {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool is_tcp_type(const std::string &type) {
	return type == "host" || type == "hostssl" || type == "hostnossl" || type == "hostgssenc" ||
	       type == "hostnogssenc";
}

// Index of the auth method: after type, database, user and address (plus a netmask field when
// the address has no CIDR suffix and the next field looks like a mask).
std::size_t method_index(const std::vector<std::string> &fields) {
	if (fields.size() > 5 && fields[3].find('/') == std::string::npos &&
	    fields[4].find_first_not_of("0123456789.:abcdefABCDEF") == std::string::npos)
		return 5;
	return 4;
}

} // namespace

std::vector<std::string> hba_fields(const std::string &line) {
	std::vector<std::string> fields;
	std::size_t i = 0;
	while (i < line.size()) {
		while (i < line.size() && is_space(line[i]))
			++i;
		if (i >= line.size() || line[i] == '#')
			break;
		std::string field;
		bool quoted = false;
		while (i < line.size() && (quoted || (!is_space(line[i]) && line[i] != '#'))) {
			if (line[i] == '"')
				quoted = !quoted;
			else
				field += line[i];
			++i;
		}
		fields.push_back(field);
	}
	return fields;
}

bool hba_has_record(const std::string &text, const std::vector<std::string> &fields) {
	std::istringstream in(text);
	std::string line;
	while (std::getline(in, line))
		if (hba_fields(line) == fields)
			return true;
	return false;
}

bool hba_has_cert_record(const std::string &text) {
	std::istringstream in(text);
	std::string line;
	while (std::getline(in, line)) {
		auto fields = hba_fields(line);
		if (fields.size() < 5 || fields[0] != "hostssl")
			continue;
		std::size_t method = method_index(fields);
		if (method < fields.size() && fields[method] == "cert")
			return true;
		for (std::size_t i = method + 1; i < fields.size(); ++i)
			if (fields[i] == "clientcert=verify-full")
				return true;
	}
	return false;
}

std::string hba_insert_records(const std::string &text, const std::vector<std::string> &lines) {
	std::string block =
	    "# certificate logins for pg_autouser (added by `pg_autouser server setup`)\n";
	for (const auto &line : lines)
		block += line + "\n";
	std::istringstream in(text);
	std::string out, line;
	bool inserted = false;
	while (std::getline(in, line)) {
		auto fields = hba_fields(line);
		if (!inserted && !fields.empty() && is_tcp_type(fields[0])) {
			out += block;
			inserted = true;
		}
		out += line + "\n";
	}
	if (!inserted)
		out += block;
	return out;
}

} // namespace pg_autouser::cli
