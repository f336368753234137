// quote_test.cpp -- autouser_core_quote_identifier: quoting, round trip, buffer sizes.
#include "pg_autouser/core_api.h"

#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace {

// Inverse of SQL identifier quoting; nullopt if text is not one well-formed quoted identifier.
std::optional<std::string> unquote(const std::string &text) {
	if (text.size() < 2 || text.front() != '"' || text.back() != '"')
		return std::nullopt;
	std::string name;
	for (std::size_t i = 1; i + 1 < text.size(); ++i) {
		if (text[i] == '"') {
			if (i + 2 >= text.size() || text[i + 1] != '"')
				return std::nullopt;
			++i;
		}
		name += text[i];
	}
	return name;
}

std::string quote(const std::string &name) {
	size_t needed = 0;
	EXPECT_EQ(autouser_core_quote_identifier(name.data(), name.size(), nullptr, 0, &needed),
	          AUTOUSER_CORE_BUFFER_TOO_SMALL);
	std::vector<char> out(needed);
	size_t again = 0;
	EXPECT_EQ(
	    autouser_core_quote_identifier(name.data(), name.size(), out.data(), out.size(), &again),
	    AUTOUSER_CORE_OK);
	EXPECT_EQ(again, needed);
	EXPECT_EQ(out.back(), '\0');
	EXPECT_EQ(std::strlen(out.data()), needed - 1);
	return std::string(out.data());
}

TEST(Quote, WrapsPlainNameInDoubleQuotes) { EXPECT_EQ(quote("alice"), "\"alice\""); }

TEST(Quote, QuotesEvenLowercaseSafeNames) { EXPECT_EQ(quote("a"), "\"a\""); }

TEST(Quote, DoublesEmbeddedQuotes) {
	EXPECT_EQ(quote("a\"b"), "\"a\"\"b\"");
	EXPECT_EQ(quote("\""), "\"\"\"\"");
	EXPECT_EQ(quote("\"\""), "\"\"\"\"\"\"");
}

TEST(Quote, QuotesEmptyName) { EXPECT_EQ(quote(""), "\"\""); }

TEST(Quote, KeepsOtherBytesVerbatim) {
	EXPECT_EQ(quote("Alice Smith"), "\"Alice Smith\"");
	EXPECT_EQ(quote("o'brien;--"), "\"o'brien;--\"");
	EXPECT_EQ(quote("J\xc3\xbcrgen"), "\"J\xc3\xbcrgen\"");
}

TEST(Quote, RoundTripsThroughUnquote) {
	for (std::string name : {"alice", "", "\"", "a\"b\"c", "\"\"\"", "x\"", "\"x", "Robert'); DROP",
	                         "sp ace", "UPPER", "\xe2\x82\xac\"\xe2\x82\xac"}) {
		std::optional<std::string> back = unquote(quote(name));
		ASSERT_TRUE(back.has_value()) << name;
		EXPECT_EQ(*back, name);
	}
}

TEST(Quote, ReportsExactNeededWhenBufferTooSmall) {
	const std::string name = "a\"b";
	size_t needed = 0;
	char small[4] = {'x', 'x', 'x', 'x'};
	EXPECT_EQ(
	    autouser_core_quote_identifier(name.data(), name.size(), small, sizeof small, &needed),
	    AUTOUSER_CORE_BUFFER_TOO_SMALL);
	EXPECT_EQ(needed, 7u); // "a""b" + NUL
	std::vector<char> out(needed + 1, '#');
	EXPECT_EQ(
	    autouser_core_quote_identifier(name.data(), name.size(), out.data(), needed - 1, &needed),
	    AUTOUSER_CORE_BUFFER_TOO_SMALL);
	EXPECT_EQ(out[0], '#'); // nothing written on BUFFER_TOO_SMALL
	EXPECT_EQ(autouser_core_quote_identifier(name.data(), name.size(), out.data(), needed, &needed),
	          AUTOUSER_CORE_OK);
	EXPECT_STREQ(out.data(), "\"a\"\"b\"");
	EXPECT_EQ(out[needed], '#'); // nothing past out_cap
}

TEST(Quote, NeededMayBeNull) {
	char out[16];
	EXPECT_EQ(autouser_core_quote_identifier("ab", 2, out, sizeof out, nullptr), AUTOUSER_CORE_OK);
	EXPECT_STREQ(out, "\"ab\"");
	EXPECT_EQ(autouser_core_quote_identifier("ab", 2, out, 2, nullptr),
	          AUTOUSER_CORE_BUFFER_TOO_SMALL);
}

TEST(Quote, ZeroCapacityWithNullOutIsASizeQuery) {
	size_t needed = 0;
	EXPECT_EQ(autouser_core_quote_identifier("abc", 3, nullptr, 0, &needed),
	          AUTOUSER_CORE_BUFFER_TOO_SMALL);
	EXPECT_EQ(needed, 6u);
}

TEST(Quote, RejectsEmbeddedNul) {
	char out[16];
	size_t needed = 99;
	EXPECT_EQ(autouser_core_quote_identifier("a\0b", 3, out, sizeof out, &needed),
	          AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(needed, 0u);
}

TEST(Quote, RejectsNullPointers) {
	char out[16];
	EXPECT_EQ(autouser_core_quote_identifier(nullptr, 3, out, sizeof out, nullptr),
	          AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(autouser_core_quote_identifier("abc", 3, nullptr, 16, nullptr),
	          AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(autouser_core_quote_identifier(nullptr, 0, out, sizeof out, nullptr),
	          AUTOUSER_CORE_OK);
	EXPECT_STREQ(out, "\"\"");
}

TEST(Quote, HandlesLongNames) {
	std::string name(1000, '"');
	std::string quoted = quote(name);
	EXPECT_EQ(quoted.size(), 2002u);
	EXPECT_EQ(unquote(quoted), name);
}

} // namespace
