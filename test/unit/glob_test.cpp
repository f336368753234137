// glob_test.cpp -- autouser_core_glob_match and autouser_core_check_pattern.
#include "pg_autouser/core_api.h"

#include <gtest/gtest.h>

#include <string>

namespace {

bool match(const std::string &pattern, const std::string &text) {
	return autouser_core_glob_match(pattern.data(), pattern.size(), text.data(), text.size()) == 1;
}

autouser_core_pattern_check check(const std::string &p) {
	return autouser_core_check_pattern(p.data(), p.size());
}

TEST(Glob, ExactPatternMatchesOnlyItself) {
	EXPECT_TRUE(match("alice", "alice"));
	EXPECT_FALSE(match("alice", "alic"));
	EXPECT_FALSE(match("alice", "alicex"));
	EXPECT_FALSE(match("alice", ""));
	EXPECT_TRUE(match("", ""));
	EXPECT_FALSE(match("", "a"));
}

TEST(Glob, IsCaseSensitive) {
	EXPECT_FALSE(match("Alice", "alice"));
	EXPECT_FALSE(match("*.EXAMPLE.com", "host.example.com"));
}

TEST(Glob, StarMatchesAnyRunIncludingEmpty) {
	EXPECT_TRUE(match("*", ""));
	EXPECT_TRUE(match("*", "anything at all"));
	EXPECT_TRUE(match("app_*", "app_"));
	EXPECT_TRUE(match("app_*", "app_db"));
	EXPECT_FALSE(match("app_*", "ap"));
	EXPECT_TRUE(match("*.example.com", "db.example.com"));
	EXPECT_TRUE(match("*.example.com", ".example.com"));
	EXPECT_FALSE(match("*.example.com", "example.com"));
}

TEST(Glob, StarInTheMiddleAndSeveralStars) {
	EXPECT_TRUE(match("a*z", "az"));
	EXPECT_TRUE(match("a*z", "abcz"));
	EXPECT_FALSE(match("a*z", "abcza"));
	EXPECT_TRUE(match("a*b*c", "aXbYbZc"));
	EXPECT_TRUE(match("a*b*c", "abc"));
	EXPECT_FALSE(match("a*b*c", "acb"));
	EXPECT_TRUE(match("**", ""));
	EXPECT_TRUE(match("*a*", "bab"));
	EXPECT_FALSE(match("*a*", "bbb"));
}

TEST(Glob, NeedsBacktracking) {
	EXPECT_TRUE(match("*ab", "aaab"));
	EXPECT_TRUE(match("*aab", "aaaab"));
	EXPECT_TRUE(match("a*aa*b", "aaaaaab"));
	EXPECT_FALSE(match("a*aa*b", "aab"));
	EXPECT_TRUE(match("*x*x*x", "xxxxx"));
}

TEST(Glob, OtherWildcardsAreLiteral) {
	EXPECT_FALSE(match("a?c", "abc"));
	EXPECT_TRUE(match("a?c", "a?c"));
	EXPECT_FALSE(match("[ab]", "a"));
	EXPECT_FALSE(match("a%", "ab"));
	EXPECT_FALSE(match("a.c", "abc"));
	EXPECT_FALSE(match("a\\*", "ab"));
}

TEST(Glob, TextStarIsNotAWildcard) { EXPECT_FALSE(match("a", "*")); }

TEST(Glob, MatchesUtf8Bytewise) {
	EXPECT_TRUE(match("J\xc3\xbc*", "J\xc3\xbcrgen"));
	EXPECT_FALSE(match("Ju*", "J\xc3\xbcrgen"));
}

TEST(Glob, HonoursLengthsAndEmbeddedNul) {
	EXPECT_TRUE(autouser_core_glob_match("abX", 2, "abY", 2) == 1);
	EXPECT_FALSE(match(std::string("a\0b", 3), "a"));
	EXPECT_TRUE(match(std::string("a*\0", 3), std::string("axy\0", 4)));
}

TEST(Glob, NullPointersDoNotMatchUnlessEmpty) {
	EXPECT_EQ(autouser_core_glob_match(nullptr, 3, "abc", 3), 0);
	EXPECT_EQ(autouser_core_glob_match("*", 1, nullptr, 3), 0);
	EXPECT_EQ(autouser_core_glob_match("*", 1, nullptr, 0), 1);
}

TEST(Pattern, AcceptsNamesAndGlobs) {
	EXPECT_EQ(check("alice"), AUTOUSER_CORE_PATTERN_OK);
	EXPECT_EQ(check("*"), AUTOUSER_CORE_PATTERN_OK);
	EXPECT_EQ(check("*.example.com"), AUTOUSER_CORE_PATTERN_OK);
	EXPECT_EQ(check("J\xc3\xbc*"), AUTOUSER_CORE_PATTERN_OK);
}

TEST(Pattern, RejectsEmpty) {
	EXPECT_EQ(check(""), AUTOUSER_CORE_PATTERN_EMPTY);
	EXPECT_EQ(autouser_core_check_pattern(nullptr, 0), AUTOUSER_CORE_PATTERN_EMPTY);
}

TEST(Pattern, Allows63BytesBesidesStars) {
	EXPECT_EQ(check(std::string(63, 'a')), AUTOUSER_CORE_PATTERN_OK);
	EXPECT_EQ(check("*" + std::string(63, 'a') + "***"), AUTOUSER_CORE_PATTERN_OK);
	EXPECT_EQ(check(std::string(200, '*')), AUTOUSER_CORE_PATTERN_OK);
}

TEST(Pattern, RejectsOver63BytesBesidesStars) {
	EXPECT_EQ(check(std::string(64, 'a')), AUTOUSER_CORE_PATTERN_TOO_LONG);
	EXPECT_EQ(check("*" + std::string(32, 'a') + "*" + std::string(32, 'b')),
	          AUTOUSER_CORE_PATTERN_TOO_LONG);
}

TEST(Pattern, RejectsControlChars) {
	EXPECT_EQ(check(std::string("a\0*", 3)), AUTOUSER_CORE_PATTERN_CONTROL_CHAR);
	EXPECT_EQ(check("a\n*"), AUTOUSER_CORE_PATTERN_CONTROL_CHAR);
	EXPECT_EQ(check("\x7f"), AUTOUSER_CORE_PATTERN_CONTROL_CHAR);
}

TEST(Pattern, RejectsBadUtf8) {
	EXPECT_EQ(check("a\xc3*"), AUTOUSER_CORE_PATTERN_BAD_UTF8);
	EXPECT_EQ(check("\xed\xa0\x80"), AUTOUSER_CORE_PATTERN_BAD_UTF8);
	EXPECT_EQ(check("\xc0\xaf*"), AUTOUSER_CORE_PATTERN_BAD_UTF8);
}

TEST(Pattern, PrecedenceIsEmptyTooLongControlUtf8) {
	EXPECT_EQ(check(std::string(64, '\n')), AUTOUSER_CORE_PATTERN_TOO_LONG);
	EXPECT_EQ(check("\xff\n"), AUTOUSER_CORE_PATTERN_CONTROL_CHAR);
}

} // namespace
