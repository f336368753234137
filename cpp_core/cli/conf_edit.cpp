// conf_edit.cpp -- a postgresql.conf reader that follows guc-file.l closely enough for what setup
// and doctor ask (single-line assignments, quoted values with '' and backslash escapes), and the
// managed-block rewrite.  Lines outside the block are never changed.
#include "conf_edit.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace pg_autouser::cli {

const char *const kConfBlockBegin = "# BEGIN pg_autouser (managed by `pg_autouser server setup`)";
const char *const kConfBlockEnd = "# END pg_autouser";

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f'; }

std::string lower(std::string s) {
	std::transform(s.begin(), s.end(), s.begin(),
	               [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
	return s;
}

std::string trim(const std::string &s) {
	std::size_t b = 0, e = s.size();
	while (b < e && is_space(s[b]))
		++b;
	while (e > b && is_space(s[e - 1]))
		--e;
	return s.substr(b, e - b);
}

std::vector<std::string> split_lines(const std::string &text) {
	std::vector<std::string> lines;
	std::istringstream in(text);
	std::string line;
	while (std::getline(in, line))
		lines.push_back(line);
	return lines;
}

bool is_name_char(char c) {
	return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '$' ||
	       c == '-';
}

// Reads a quoted value starting after the opening quote; nullopt if unterminated.
std::optional<std::string> read_quoted(const std::string &line, std::size_t &i) {
	std::string value;
	while (i < line.size()) {
		char c = line[i++];
		if (c == '\'') {
			if (i < line.size() && line[i] == '\'') {
				value += '\'';
				++i;
				continue;
			}
			return value;
		}
		if (c == '\\' && i < line.size()) {
			char e = line[i++];
			switch (e) {
			case 'n':
				value += '\n';
				break;
			case 't':
				value += '\t';
				break;
			case 'r':
				value += '\r';
				break;
			case 'b':
				value += '\b';
				break;
			case 'f':
				value += '\f';
				break;
			default:
				value += e;
			}
			continue;
		}
		value += c;
	}
	return std::nullopt;
}

bool is_block_line(const std::string &line, const char *marker) { return trim(line) == marker; }

} // namespace

std::optional<ConfSetting> parse_conf_line(const std::string &line) {
	std::size_t i = 0;
	while (i < line.size() && is_space(line[i]))
		++i;
	if (i >= line.size() || line[i] == '#')
		return std::nullopt;
	std::size_t name_start = i;
	while (i < line.size() && is_name_char(line[i]))
		++i;
	if (i == name_start)
		return std::nullopt;
	ConfSetting setting{lower(line.substr(name_start, i - name_start)), ""};
	if (setting.name == "include" || setting.name == "include_dir" ||
	    setting.name == "include_if_exists")
		return std::nullopt;
	while (i < line.size() && is_space(line[i]))
		++i;
	if (i < line.size() && line[i] == '=')
		++i;
	while (i < line.size() && is_space(line[i]))
		++i;
	if (i < line.size() && line[i] == '\'') {
		++i;
		auto quoted = read_quoted(line, i);
		if (!quoted)
			return std::nullopt;
		setting.value = *quoted;
	} else {
		std::size_t start = i;
		while (i < line.size() && !is_space(line[i]) && line[i] != '#')
			++i;
		setting.value = line.substr(start, i - start);
	}
	return setting;
}

std::optional<std::string> conf_value(const std::string &text, const std::string &name) {
	std::optional<std::string> value;
	const std::string wanted = lower(name);
	for (const auto &line : split_lines(text)) {
		auto setting = parse_conf_line(line);
		if (setting && setting->name == wanted)
			value = setting->value;
	}
	return value;
}

std::string quote_conf_value(const std::string &value) {
	std::string out = "'";
	for (char c : value) {
		if (c == '\'')
			out += "''";
		else if (c == '\\')
			out += "\\\\";
		else
			out += c;
	}
	return out + "'";
}

bool conf_bool_is_on(const std::string &value) {
	// parse_bool() in PostgreSQL: unique prefixes of true/yes, "on", and "1".
	const std::string v = lower(trim(value));
	if (v.empty())
		return false;
	auto prefix_of = [&v](const std::string &word) { return word.compare(0, v.size(), v) == 0; };
	return prefix_of("true") || prefix_of("yes") || v == "on" || v == "1";
}

std::vector<std::string> split_library_list(const std::string &value) {
	std::vector<std::string> libs;
	std::string item;
	std::istringstream in(value);
	while (std::getline(in, item, ',')) {
		item = trim(item);
		if (item.size() >= 2 && item.front() == '"' && item.back() == '"')
			item = item.substr(1, item.size() - 2);
		if (!item.empty())
			libs.push_back(item);
	}
	return libs;
}

std::string add_library(const std::string &value, const std::string &library) {
	auto libs = split_library_list(value);
	if (std::find(libs.begin(), libs.end(), library) != libs.end())
		return value;
	std::string kept = trim(value);
	return libs.empty() ? library : kept + "," + library;
}

std::vector<ConfSetting> managed_block_settings(const std::string &text) {
	std::vector<ConfSetting> settings;
	bool inside = false;
	for (const auto &line : split_lines(text)) {
		if (is_block_line(line, kConfBlockBegin)) {
			inside = true;
		} else if (is_block_line(line, kConfBlockEnd)) {
			inside = false;
		} else if (inside) {
			if (auto setting = parse_conf_line(line))
				settings.push_back(*setting);
		}
	}
	return settings;
}

std::string remove_managed_block(const std::string &text) {
	std::string out;
	bool inside = false;
	for (const auto &line : split_lines(text)) {
		if (is_block_line(line, kConfBlockBegin)) {
			inside = true;
		} else if (inside && is_block_line(line, kConfBlockEnd)) {
			inside = false;
		} else if (!inside) {
			out += line + "\n";
		}
	}
	return out;
}

std::string write_managed_block(const std::string &text, const std::vector<ConfSetting> &settings) {
	std::string out = remove_managed_block(text);
	out += std::string(kConfBlockBegin) + "\n";
	for (const auto &setting : settings)
		out += setting.name + " = " + quote_conf_value(setting.value) + "\n";
	out += std::string(kConfBlockEnd) + "\n";
	return out;
}

} // namespace pg_autouser::cli
