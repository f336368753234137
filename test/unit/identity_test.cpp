// identity_test.cpp -- autouser_core_check_identity: limits, bytes, UTF-8, reserved prefix.
#include "pg_autouser/core_api.h"

#include <gtest/gtest.h>

#include <string>

namespace {

autouser_core_identity_check check(const std::string &s) {
	return autouser_core_check_identity(s.data(), s.size());
}

TEST(Identity, AcceptsPlainName) { EXPECT_EQ(check("alice"), AUTOUSER_CORE_IDENTITY_OK); }

TEST(Identity, RejectsEmpty) { EXPECT_EQ(check(""), AUTOUSER_CORE_IDENTITY_EMPTY); }

TEST(Identity, Accepts63Bytes) {
	EXPECT_EQ(check(std::string(63, 'a')), AUTOUSER_CORE_IDENTITY_OK);
}

TEST(Identity, RejectsCnOver63Bytes) {
	EXPECT_EQ(check(std::string(64, 'a')), AUTOUSER_CORE_IDENTITY_TOO_LONG);
	EXPECT_EQ(check(std::string(1000, 'a')), AUTOUSER_CORE_IDENTITY_TOO_LONG);
}

TEST(Identity, CountsBytesNotCharacters) {
	std::string e_acute = "\xc3\xa9";
	std::string s62;
	for (int i = 0; i < 31; ++i)
		s62 += e_acute;
	EXPECT_EQ(check(s62), AUTOUSER_CORE_IDENTITY_OK);
	EXPECT_EQ(check(s62 + "a"), AUTOUSER_CORE_IDENTITY_OK);
	EXPECT_EQ(check(s62 + e_acute), AUTOUSER_CORE_IDENTITY_TOO_LONG);
}

TEST(Identity, RejectsNulInTheMiddle) {
	EXPECT_EQ(check(std::string("ali\0ce", 6)), AUTOUSER_CORE_IDENTITY_CONTROL_CHAR);
	EXPECT_EQ(check(std::string("\0", 1)), AUTOUSER_CORE_IDENTITY_CONTROL_CHAR);
}

TEST(Identity, RejectsControlChars) {
	for (std::string bad : {"a\x01", "a\x1f", "a\x7f", "a\nb", "\tb", "a\rb", "\x1b[0m"})
		EXPECT_EQ(check(bad), AUTOUSER_CORE_IDENTITY_CONTROL_CHAR) << bad;
}

TEST(Identity, AcceptsSpacesAndPunctuation) {
	EXPECT_EQ(check("alice smith"), AUTOUSER_CORE_IDENTITY_OK);
	EXPECT_EQ(check("a\"b'c;--"), AUTOUSER_CORE_IDENTITY_OK);
	EXPECT_EQ(check("~"), AUTOUSER_CORE_IDENTITY_OK);
}

TEST(Identity, AcceptsValidUtf8) {
	EXPECT_EQ(check("J\xc3\xbcrgen"), AUTOUSER_CORE_IDENTITY_OK);    // U+00FC
	EXPECT_EQ(check("\xe2\x82\xac"), AUTOUSER_CORE_IDENTITY_OK);     // U+20AC
	EXPECT_EQ(check("\xf0\x9d\x84\x9e"), AUTOUSER_CORE_IDENTITY_OK); // U+1D11E
	EXPECT_EQ(check("\xf4\x8f\xbf\xbf"), AUTOUSER_CORE_IDENTITY_OK); // U+10FFFF
	EXPECT_EQ(check("\xed\x9f\xbf"), AUTOUSER_CORE_IDENTITY_OK);     // U+D7FF
	EXPECT_EQ(check("\xee\x80\x80"), AUTOUSER_CORE_IDENTITY_OK);     // U+E000
	EXPECT_EQ(check("\xc2\x80"), AUTOUSER_CORE_IDENTITY_OK);         // U+0080
}

TEST(Identity, RejectsOverlongUtf8) {
	for (std::string bad : {"\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xe0\x9f\xbf",
	                        "\xf0\x80\x80\xaf", "\xf0\x8f\xbf\xbf", "\xc0\x80"})
		EXPECT_EQ(check("a" + bad), AUTOUSER_CORE_IDENTITY_BAD_UTF8);
}

TEST(Identity, RejectsSurrogates) {
	EXPECT_EQ(check("\xed\xa0\x80"), AUTOUSER_CORE_IDENTITY_BAD_UTF8); // U+D800
	EXPECT_EQ(check("\xed\xbf\xbf"), AUTOUSER_CORE_IDENTITY_BAD_UTF8); // U+DFFF
}

TEST(Identity, RejectsCodePointsAboveMax) {
	EXPECT_EQ(check("\xf4\x90\x80\x80"), AUTOUSER_CORE_IDENTITY_BAD_UTF8);
	EXPECT_EQ(check("\xf5\x80\x80\x80"), AUTOUSER_CORE_IDENTITY_BAD_UTF8);
	EXPECT_EQ(check("\xff"), AUTOUSER_CORE_IDENTITY_BAD_UTF8);
	EXPECT_EQ(check("\xfe"), AUTOUSER_CORE_IDENTITY_BAD_UTF8);
}

TEST(Identity, RejectsTruncatedUtf8) {
	EXPECT_EQ(check("a\xc3"), AUTOUSER_CORE_IDENTITY_BAD_UTF8);
	EXPECT_EQ(check("a\xe2\x82"), AUTOUSER_CORE_IDENTITY_BAD_UTF8);
	EXPECT_EQ(check("a\xf0\x9d\x84"), AUTOUSER_CORE_IDENTITY_BAD_UTF8);
	EXPECT_EQ(check("\xe2\x82z"), AUTOUSER_CORE_IDENTITY_BAD_UTF8);
}

TEST(Identity, RejectsStrayContinuationByte) {
	EXPECT_EQ(check("a\x80"), AUTOUSER_CORE_IDENTITY_BAD_UTF8);
	EXPECT_EQ(check("\xbf"), AUTOUSER_CORE_IDENTITY_BAD_UTF8);
}

TEST(Identity, RejectsReservedPgPrefix) {
	EXPECT_EQ(check("pg_alice"), AUTOUSER_CORE_IDENTITY_RESERVED);
	EXPECT_EQ(check("pg_"), AUTOUSER_CORE_IDENTITY_RESERVED);
	EXPECT_EQ(check("pg_monitor"), AUTOUSER_CORE_IDENTITY_RESERVED);
}

TEST(Identity, RejectsNamesCreateRoleReserves) {
	EXPECT_EQ(check("public"), AUTOUSER_CORE_IDENTITY_RESERVED_NAME);
	EXPECT_EQ(check("none"), AUTOUSER_CORE_IDENTITY_RESERVED_NAME);
	EXPECT_EQ(check("Public"), AUTOUSER_CORE_IDENTITY_OK);
	EXPECT_EQ(check("publicity"), AUTOUSER_CORE_IDENTITY_OK);
	EXPECT_EQ(check("nonE"), AUTOUSER_CORE_IDENTITY_OK);
}

TEST(Identity, PgPrefixIsCaseSensitiveAndOnlyAtStart) {
	EXPECT_EQ(check("PG_alice"), AUTOUSER_CORE_IDENTITY_OK);
	EXPECT_EQ(check("Pg_alice"), AUTOUSER_CORE_IDENTITY_OK);
	EXPECT_EQ(check("pgalice"), AUTOUSER_CORE_IDENTITY_OK);
	EXPECT_EQ(check("pg"), AUTOUSER_CORE_IDENTITY_OK);
	EXPECT_EQ(check("alice_pg_"), AUTOUSER_CORE_IDENTITY_OK);
}

TEST(Identity, PrecedenceIsEmptyTooLongControlUtf8Reserved) {
	EXPECT_EQ(check(std::string(64, '\n')), AUTOUSER_CORE_IDENTITY_TOO_LONG);
	EXPECT_EQ(check(std::string(70, '\xff')), AUTOUSER_CORE_IDENTITY_TOO_LONG);
	EXPECT_EQ(check("\xff\n"), AUTOUSER_CORE_IDENTITY_CONTROL_CHAR);
	EXPECT_EQ(check("pg_\n"), AUTOUSER_CORE_IDENTITY_CONTROL_CHAR);
	EXPECT_EQ(check("pg_\xff"), AUTOUSER_CORE_IDENTITY_BAD_UTF8);
}

TEST(Identity, NullPointerIsEmpty) {
	EXPECT_EQ(autouser_core_check_identity(nullptr, 0), AUTOUSER_CORE_IDENTITY_EMPTY);
	EXPECT_EQ(autouser_core_check_identity(nullptr, 5), AUTOUSER_CORE_IDENTITY_EMPTY);
}

TEST(Identity, HonoursLengthNotNulTerminator) {
	const char buf[] = "alicepg_";
	EXPECT_EQ(autouser_core_check_identity(buf, 5), AUTOUSER_CORE_IDENTITY_OK);
	EXPECT_EQ(autouser_core_check_identity(buf + 5, 3), AUTOUSER_CORE_IDENTITY_RESERVED);
}

} // namespace
