// cli_ca_index_test.cpp -- the CA database as text (ca_index): index.txt lines in `openssl ca`'s
// format, serial spellings, revocation reasons, ASN.1 times.
#include "ca_index.hpp"
#include "errors.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using namespace pg_autouser::cli;

// Two lines as `openssl ca` writes them: a valid certificate and a revoked one with a reason.
const char *const kOpensslIndex =
    "V\t271202010608Z\t\t7E2A06930366D59C34BDBBD4FE94F270\tunknown\t/CN=alice\n"
    "R\t271202010608Z\t261202010608Z,keyCompromise\t0ACD\tunknown\t/O=Acme/CN=bob\n";

TEST(CliCaIndex, ReadsOpensslLinesAndWritesThemBackByteForByte) {
	auto entries = parse_index(kOpensslIndex, "index.txt");
	ASSERT_EQ(entries.size(), 2u);
	EXPECT_FALSE(entries[0].revoked());
	EXPECT_EQ(entries[0].serial, "7E2A06930366D59C34BDBBD4FE94F270");
	EXPECT_EQ(entries[0].expiry, "271202010608Z");
	EXPECT_EQ(entries[0].subject, "/CN=alice");
	EXPECT_TRUE(entries[1].revoked());
	EXPECT_EQ(entries[1].revoked_at, "261202010608Z");
	EXPECT_EQ(entries[1].reason, "keyCompromise");
	EXPECT_EQ(entries[1].serial, "0ACD");
	EXPECT_EQ(format_index(entries), kOpensslIndex);
}

TEST(CliCaIndex, RevocationWithoutReasonAndGeneralizedTimes) {
	const std::string text = "R\t20510101000000Z\t20500101000000Z\t41\tunknown\t/"
	                         "CN=x\nE\t200101000000Z\t\t42\tf\t/CN=y\n";
	auto entries = parse_index(text, "index.txt");
	ASSERT_EQ(entries.size(), 2u);
	EXPECT_EQ(entries[0].reason, "");
	EXPECT_EQ(entries[0].revoked_at, "20500101000000Z");
	EXPECT_EQ(entries[1].status, 'E');
	EXPECT_EQ(format_index(entries), text);
}

TEST(CliCaIndex, EmptyTextIsAnEmptyDatabase) {
	EXPECT_TRUE(parse_index("", "index.txt").empty());
	EXPECT_TRUE(parse_index("\n\n", "index.txt").empty());
	EXPECT_EQ(format_index({}), "");
}

TEST(CliCaIndex, RefusesMalformedLinesNamingTheLine) {
	const std::vector<std::pair<std::string, std::string>> cases{
	    {"V\t271202010608Z\t\t41\tunknown\n", "has 5 fields instead of 6"},
	    {"X\t271202010608Z\t\t41\tunknown\t/CN=a\n", "has status \"X\""},
	    {"V\t2712\t\t41\tunknown\t/CN=a\n", "is not an ASN.1 time"},
	    {"V\t271202010608Z\t261202010608Z\t41\tunknown\t/CN=a\n", "has a revocation time but"},
	    {"R\t271202010608Z\t\t41\tunknown\t/CN=a\n", "has revocation time \"\""},
	    {"R\t271202010608Z\t261202010608Z,bogus\t41\tunknown\t/CN=a\n", "reason \"bogus\""},
	    {"V\t271202010608Z\t\tXYZ\tunknown\t/CN=a\n", "serial \"XYZ\""},
	    {"V\t271202010608Z\t\t41\tu\t/CN=a\nV\t271202010608Z\t\t0041\tu\t/CN=b\n",
	     "repeats serial 41"},
	};
	for (const auto &[text, why] : cases) {
		try {
			parse_index(text, "/ca/index.txt");
			ADD_FAILURE() << "accepted: " << text;
		} catch (const Failure &e) {
			std::string message = e.what();
			EXPECT_NE(message.find("\"/ca/index.txt\" line "), std::string::npos) << message;
			EXPECT_NE(message.find(why), std::string::npos) << message;
		}
	}
}

TEST(CliCaIndex, FindsBySerial) {
	auto entries = parse_index(kOpensslIndex, "index.txt");
	ASSERT_NE(find_serial(entries, "0ACD"), nullptr);
	EXPECT_EQ(find_serial(entries, "0ACD")->subject, "/O=Acme/CN=bob");
	EXPECT_EQ(find_serial(entries, "ACD"), nullptr); // callers normalize first
	EXPECT_EQ(find_serial(entries, "99"), nullptr);
}

TEST(CliCaIndex, NormalizesSerialSpellings) {
	EXPECT_EQ(normalize_serial("7e2a0693"), "7E2A0693");
	EXPECT_EQ(normalize_serial("7E:2A:06:93"), "7E2A0693");
	EXPECT_EQ(normalize_serial("0x7e2a0693"), "7E2A0693");
	EXPECT_EQ(normalize_serial("serial=7E2A0693"), "7E2A0693");
	EXPECT_EQ(normalize_serial("00:00:ab"), "AB");
	EXPECT_EQ(normalize_serial("abc"), "0ABC"); // whole bytes, as BN_bn2hex
	EXPECT_EQ(normalize_serial("1"), "01");
	for (const char *bad : {"", "0", "00:00", "0x", "xyz", "12 34", "-12", "+12", "1g"})
		EXPECT_FALSE(normalize_serial(bad).has_value()) << bad;
}

TEST(CliCaIndex, RevocationReasonsHaveRfc5280Codes) {
	auto reason = find_revocation_reason("KEYCOMPROMISE");
	ASSERT_TRUE(reason.has_value());
	EXPECT_STREQ(reason->name, "keyCompromise");
	EXPECT_EQ(reason->code, 1);
	EXPECT_TRUE(reason->offered);
	EXPECT_EQ(find_revocation_reason("cessationOfOperation")->code, 5);
	EXPECT_EQ(find_revocation_reason("superseded")->code, 4);
	EXPECT_FALSE(find_revocation_reason("CACompromise")->offered);
	EXPECT_FALSE(find_revocation_reason("certificateHold")->offered);
	EXPECT_FALSE(find_revocation_reason("removeFromCRL").has_value());
	EXPECT_FALSE(find_revocation_reason("").has_value());
}

TEST(CliCaIndex, Asn1TimesSwitchToGeneralizedTimeIn2050) {
	EXPECT_EQ(format_asn1_time(0), "700101000000Z");
	EXPECT_EQ(format_asn1_time(1764637568), "251202010608Z"); // 2025-12-02 01:06:08 UTC
	EXPECT_EQ(format_asn1_time(2524607999), "491231235959Z");
	EXPECT_EQ(format_asn1_time(2524608000), "20500101000000Z");
}

} // namespace
