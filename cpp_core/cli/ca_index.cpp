// ca_index.cpp -- index.txt lines, serial numbers and revocation reasons as text.  The line format
// is openssl's (apps/lib/apps.c, the TXT_DB of `openssl ca`): status, expiry, revocation
// "time[,reason]", serial, file name, subject, tab-separated.
#include "ca_index.hpp"

#include "errors.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace pg_autouser::cli {

namespace {

std::vector<std::string> split_tabs(const std::string &line) {
	std::vector<std::string> fields;
	std::size_t start = 0;
	for (;;) {
		std::size_t tab = line.find('\t', start);
		fields.push_back(line.substr(start, tab == std::string::npos ? tab : tab - start));
		if (tab == std::string::npos)
			return fields;
		start = tab + 1;
	}
}

bool is_asn1_time(const std::string &text) {
	if (text.size() != 13 && text.size() != 15)
		return false;
	if (text.back() != 'Z')
		return false;
	return std::all_of(text.begin(), text.end() - 1,
	                   [](unsigned char c) { return std::isdigit(c) != 0; });
}

bool equal_ignoring_case(const std::string &a, const std::string &b) {
	return a.size() == b.size() &&
	       std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
		       return std::tolower(x) == std::tolower(y);
	       });
}

} // namespace

std::vector<IndexEntry> parse_index(const std::string &text, const std::string &path) {
	std::vector<IndexEntry> entries;
	std::istringstream in(text);
	std::string line;
	for (int number = 1; std::getline(in, line); ++number) {
		if (line.empty())
			continue;
		auto bad = [&](const std::string &why) {
			return Failure("\"" + path + "\" line " + std::to_string(number) + " " + why +
			               "; it is not a CA database line (status, expiry, revocation, serial, "
			               "file, subject separated by tabs)");
		};
		auto fields = split_tabs(line);
		if (fields.size() != 6)
			throw bad("has " + std::to_string(fields.size()) + " fields instead of 6");
		IndexEntry entry;
		if (fields[0].size() != 1 || std::string("VRE").find(fields[0][0]) == std::string::npos)
			throw bad("has status \"" + fields[0] + "\" instead of V, R or E");
		entry.status = fields[0][0];
		entry.expiry = fields[1];
		if (!is_asn1_time(entry.expiry))
			throw bad("has expiry \"" + entry.expiry + "\", which is not an ASN.1 time");
		std::string revocation = fields[2];
		if (entry.revoked()) {
			auto comma = revocation.find(',');
			entry.revoked_at = revocation.substr(0, comma);
			if (comma != std::string::npos) {
				auto reason = find_revocation_reason(revocation.substr(comma + 1));
				if (!reason)
					throw bad("has revocation reason \"" + revocation.substr(comma + 1) +
					          "\", which this CLI does not know");
				entry.reason = reason->name;
			}
			if (!is_asn1_time(entry.revoked_at))
				throw bad("has revocation time \"" + entry.revoked_at +
				          "\", which is not an ASN.1 time");
		} else if (!revocation.empty()) {
			throw bad("has a revocation time but status " + fields[0]);
		}
		auto serial = normalize_serial(fields[3]);
		if (!serial)
			throw bad("has serial \"" + fields[3] + "\", which is not hexadecimal");
		entry.serial = *serial;
		entry.file = fields[4];
		entry.subject = fields[5];
		if (find_serial(entries, entry.serial) != nullptr)
			throw bad("repeats serial " + entry.serial);
		entries.push_back(entry);
	}
	return entries;
}

std::string format_index(const std::vector<IndexEntry> &entries) {
	std::string out;
	for (const auto &entry : entries) {
		std::string revocation = entry.revoked_at;
		if (!entry.reason.empty())
			revocation += "," + entry.reason;
		out += std::string(1, entry.status) + "\t" + entry.expiry + "\t" + revocation + "\t" +
		       entry.serial + "\t" + entry.file + "\t" + entry.subject + "\n";
	}
	return out;
}

IndexEntry *find_serial(std::vector<IndexEntry> &entries, const std::string &serial) {
	for (auto &entry : entries)
		if (entry.serial == serial)
			return &entry;
	return nullptr;
}

std::optional<std::string> normalize_serial(const std::string &text) {
	std::string digits = text;
	if (digits.compare(0, 7, "serial=") == 0)
		digits.erase(0, 7);
	if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
		digits.erase(0, 2);
	digits.erase(std::remove(digits.begin(), digits.end(), ':'), digits.end());
	if (digits.empty())
		return std::nullopt;
	for (char &c : digits) {
		if (!std::isxdigit(static_cast<unsigned char>(c)))
			return std::nullopt;
		c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
	}
	digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size()));
	if (digits.empty())
		return std::nullopt; // zero: RFC 5280 serials are positive
	if (digits.size() % 2 != 0)
		digits.insert(0, "0");
	return digits;
}

const std::vector<RevocationReason> &revocation_reasons() {
	static const std::vector<RevocationReason> kReasons{
	    {"unspecified", 0, true},     {"keyCompromise", 1, true},
	    {"CACompromise", 2, false},   {"affiliationChanged", 3, true},
	    {"superseded", 4, true},      {"cessationOfOperation", 5, true},
	    {"certificateHold", 6, false}};
	return kReasons;
}

std::optional<RevocationReason> find_revocation_reason(const std::string &name) {
	for (const auto &reason : revocation_reasons())
		if (equal_ignoring_case(name, reason.name))
			return reason;
	return std::nullopt;
}

std::string format_asn1_time(std::time_t when) {
	std::tm tm_utc{};
	gmtime_r(&when, &tm_utc);
	char buf[32];
	bool utc_time = tm_utc.tm_year + 1900 < 2050;
	std::strftime(buf, sizeof(buf), utc_time ? "%y%m%d%H%M%SZ" : "%Y%m%d%H%M%SZ", &tm_utc);
	return buf;
}

} // namespace pg_autouser::cli
