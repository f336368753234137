// rules_test.cpp -- rules_encode / rules_evaluate / rules_count, including malformed blobs.
#include "test_support.hpp"

#include <cstring>
#include <string>

namespace {

using namespace test_support;

const std::vector<Attr> kAlice = {{"CN", "alice"}, {"O", "acme"}, {"OU", "ops"}, {"OU", "dev"}};

std::vector<char> sample_blob() {
	return encode({
	    Rule{1, "alice", "app", {"readers"}},
	    rule_ou(2, "*", "app*", "ops", {"team_{{cert.OU}}", "ops_only"}),
	    Rule{3, "*.svc", "*", {"{{cert.O}}_{{cert.OU}}"}},
	    Rule{4, "*", "*", {}},
	});
}

TEST(Rules, ExactRuleMatches) {
	Eval e = evaluate(encode({Rule{10, "alice", "app", {"readers", "writers"}}}), "alice", "app",
	                  kAlice);
	EXPECT_EQ(e.status, AUTOUSER_CORE_OK);
	EXPECT_EQ(e.roles, (Names{"readers", "writers"}));
	EXPECT_EQ(e.n_roles, 2u);
	EXPECT_EQ(e.needed, 16u);
	EXPECT_EQ(e.matched_id, 10);
}

TEST(Rules, NoMatchingRuleGivesNoMatch) {
	Eval e = evaluate(encode({Rule{10, "alice", "app", {"readers"}}}), "bob", "app", kAlice);
	EXPECT_EQ(e.status, AUTOUSER_CORE_NO_MATCH);
	EXPECT_EQ(e.n_roles, 0u);
	EXPECT_EQ(e.needed, 0u);
	EXPECT_EQ(e.matched_id, -999); // untouched
}

TEST(Rules, IdentityGlobMatchesCn) {
	std::vector<char> blob = encode({Rule{1, "*.example.com", "*", {"hosts"}}});
	EXPECT_EQ(evaluate(blob, "db1.example.com", "x", {}).status, AUTOUSER_CORE_OK);
	EXPECT_EQ(evaluate(blob, "db1.example.org", "x", {}).status, AUTOUSER_CORE_NO_MATCH);
	EXPECT_EQ(evaluate(blob, "DB1.EXAMPLE.COM", "x", {}).status, AUTOUSER_CORE_NO_MATCH);
}

TEST(Rules, DatabaseGlobMustMatch) {
	std::vector<char> blob = encode({Rule{1, "*", "app_*", {"r"}}});
	EXPECT_EQ(evaluate(blob, "alice", "app_prod", {}).status, AUTOUSER_CORE_OK);
	EXPECT_EQ(evaluate(blob, "alice", "app_", {}).status, AUTOUSER_CORE_OK);
	EXPECT_EQ(evaluate(blob, "alice", "postgres", {}).status, AUTOUSER_CORE_NO_MATCH);
}

TEST(Rules, CertOuFilterNeedsAnExactOuValue) {
	std::vector<char> blob = encode({rule_ou(1, "*", "*", "ops", {"r"})});
	EXPECT_EQ(evaluate(blob, "a", "d", {{"OU", "dev"}, {"OU", "ops"}}).status, AUTOUSER_CORE_OK);
	EXPECT_EQ(evaluate(blob, "a", "d", {{"OU", "dev"}}).status, AUTOUSER_CORE_NO_MATCH);
	EXPECT_EQ(evaluate(blob, "a", "d", {{"OU", "Ops"}}).status, AUTOUSER_CORE_NO_MATCH);
	EXPECT_EQ(evaluate(blob, "a", "d", {{"OU", "ops2"}}).status, AUTOUSER_CORE_NO_MATCH);
	EXPECT_EQ(evaluate(blob, "a", "d", {{"OU", "op*"}}).status, AUTOUSER_CORE_NO_MATCH);
	EXPECT_EQ(evaluate(blob, "a", "d", {{"O", "ops"}}).status, AUTOUSER_CORE_NO_MATCH);
	EXPECT_EQ(evaluate(blob, "a", "d", {}).status, AUTOUSER_CORE_NO_MATCH);
}

TEST(Rules, CertOuIsNotAGlob) {
	std::vector<char> blob = encode({rule_ou(1, "*", "*", "op*", {"r"})});
	EXPECT_EQ(evaluate(blob, "a", "d", {{"OU", "ops"}}).status, AUTOUSER_CORE_NO_MATCH);
	EXPECT_EQ(evaluate(blob, "a", "d", {{"OU", "op*"}}).status, AUTOUSER_CORE_OK);
}

TEST(Rules, EmptyCertOuDiffersFromNull) {
	std::vector<char> blob = encode({rule_ou(1, "*", "*", "", {"r"})});
	EXPECT_EQ(evaluate(blob, "a", "d", {{"OU", "ops"}}).status, AUTOUSER_CORE_NO_MATCH);
	EXPECT_EQ(evaluate(blob, "a", "d", {{"OU", ""}}).status, AUTOUSER_CORE_OK);
}

TEST(Rules, UnionIsSortedAndDeduplicatedAcrossRules) {
	Eval e = evaluate(sample_blob(), "alice", "app", kAlice);
	EXPECT_EQ(e.status, AUTOUSER_CORE_OK);
	EXPECT_EQ(e.roles, (Names{"ops_only", "readers", "team_dev", "team_ops"}));
	EXPECT_EQ(e.matched_id, 1);

	std::vector<char> blob =
	    encode({Rule{5, "*", "*", {"b", "a", "c"}}, Rule{6, "*", "*", {"c", "b", "{{cert.OU}}"}}});
	Eval u = evaluate(blob, "x", "y", {{"OU", "a"}, {"OU", "d"}});
	EXPECT_EQ(u.roles, (Names{"a", "b", "c", "d"}));
	EXPECT_EQ(u.needed, 8u);
}

TEST(Rules, SortIsBytewise) {
	std::vector<char> blob =
	    encode({Rule{1, "*", "*", {"b", "B", "a", "_", "\xc3\xa9", "Z", "a b", "ab"}}});
	Eval e = evaluate(blob, "x", "y", {});
	EXPECT_EQ(e.roles, (Names{"B", "Z", "_", "a", "a b", "ab", "b", "\xc3\xa9"}));
}

TEST(Rules, MatchedRuleIdIsFirstInBlobOrder) {
	std::vector<char> blob = encode(
	    {Rule{30, "bob", "*", {"x"}}, Rule{20, "*", "*", {"y"}}, Rule{10, "alice", "*", {"z"}}});
	Eval e = evaluate(blob, "alice", "d", {});
	EXPECT_EQ(e.matched_id, 20);
	EXPECT_EQ(e.roles, (Names{"y", "z"}));
}

TEST(Rules, MatchedRuleIdMayBeNull) {
	std::vector<char> blob = encode({Rule{1, "*", "*", {"r"}}});
	autouser_core_login login{{"a", 1}, {"d", 1}, nullptr, 0};
	char out[8];
	size_t needed = 0, n = 0;
	EXPECT_EQ(autouser_core_rules_evaluate(blob.data(), blob.size(), &login, out, sizeof out,
	                                       &needed, &n, nullptr),
	          AUTOUSER_CORE_OK);
	EXPECT_STREQ(out, "r");
}

TEST(Rules, MatchingRuleWithNoRolesIsOkWithZeroRoles) {
	Eval e = evaluate(sample_blob(), "carol", "other", {});
	EXPECT_EQ(e.status, AUTOUSER_CORE_OK);
	EXPECT_EQ(e.n_roles, 0u);
	EXPECT_EQ(e.needed, 0u);
	EXPECT_EQ(e.matched_id, 4);
}

TEST(Rules, EmptyRuleSetMatchesNothing) {
	std::vector<char> blob = encode({});
	EXPECT_EQ(blob.size(), 16u);
	EXPECT_EQ(autouser_core_rules_count(blob.data(), blob.size()), 0);
	EXPECT_EQ(evaluate(blob, "a", "d", {}).status, AUTOUSER_CORE_NO_MATCH);
}

TEST(Rules, CountReturnsNumberOfRules) {
	std::vector<char> blob = sample_blob();
	EXPECT_EQ(autouser_core_rules_count(blob.data(), blob.size()), 4);
}

TEST(Rules, BufferTooSmallReportsExactNeededThenSucceeds) {
	std::vector<char> blob = sample_blob();
	Eval probe = evaluate(blob, "alice", "app", kAlice, 0);
	EXPECT_EQ(probe.status, AUTOUSER_CORE_BUFFER_TOO_SMALL);
	EXPECT_EQ(probe.n_roles, 4u);
	EXPECT_EQ(probe.matched_id, 1);
	ASSERT_EQ(probe.needed, std::string("ops_only readers team_dev team_ops ").size());
	EXPECT_EQ(evaluate(blob, "alice", "app", kAlice, probe.needed - 1).status,
	          AUTOUSER_CORE_BUFFER_TOO_SMALL);
	Eval exact = evaluate(blob, "alice", "app", kAlice, probe.needed);
	EXPECT_EQ(exact.status, AUTOUSER_CORE_OK);
	EXPECT_EQ(exact.roles.size(), 4u);
}

TEST(Rules, NullOutWithZeroCapacityIsASizeQuery) {
	std::vector<char> blob = encode({Rule{1, "*", "*", {"abc"}}});
	autouser_core_login login{{"a", 1}, {"d", 1}, nullptr, 0};
	size_t needed = 0, n = 0;
	EXPECT_EQ(autouser_core_rules_evaluate(blob.data(), blob.size(), &login, nullptr, 0, &needed,
	                                       &n, nullptr),
	          AUTOUSER_CORE_BUFFER_TOO_SMALL);
	EXPECT_EQ(needed, 4u);
	EXPECT_EQ(n, 1u);
}

TEST(Rules, EncodeReportsNeededWhenBufferTooSmall) {
	autouser_core_str role{"r", 1};
	autouser_core_rule rule{1, {"a", 1}, {"b", 1}, {nullptr, 0}, &role, 1};
	size_t needed = 0;
	ASSERT_EQ(autouser_core_rules_encode(&rule, 1, nullptr, 0, &needed),
	          AUTOUSER_CORE_BUFFER_TOO_SMALL);
	std::vector<char> out(needed + 1, '#');
	size_t again = 0;
	EXPECT_EQ(autouser_core_rules_encode(&rule, 1, out.data(), needed - 1, &again),
	          AUTOUSER_CORE_BUFFER_TOO_SMALL);
	EXPECT_EQ(again, needed);
	EXPECT_EQ(out[0], '#');
	EXPECT_EQ(autouser_core_rules_encode(&rule, 1, out.data(), needed, &again), AUTOUSER_CORE_OK);
	EXPECT_EQ(out[needed], '#');
	EXPECT_EQ(autouser_core_rules_count(out.data(), needed), 1);
}

TEST(Rules, EncodeRejectsInvalidRules) {
	autouser_core_str good{"r", 1};
	autouser_core_str bad_entry{"{{cert.OU", 9};
	std::string long_pattern(64, 'a');
	size_t needed = 0;
	auto encode_one = [&](autouser_core_rule rule) {
		return autouser_core_rules_encode(&rule, 1, nullptr, 0, &needed);
	};
	EXPECT_EQ(encode_one({1, {"", 0}, {"d", 1}, {nullptr, 0}, &good, 1}),
	          AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(encode_one({1, {"a", 1}, {"", 0}, {nullptr, 0}, &good, 1}),
	          AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(encode_one({1, {long_pattern.data(), 64}, {"d", 1}, {nullptr, 0}, &good, 1}),
	          AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(encode_one({1, {"a\n", 2}, {"d", 1}, {nullptr, 0}, &good, 1}),
	          AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(encode_one({1, {"a", 1}, {"d", 1}, {nullptr, 0}, &bad_entry, 1}),
	          AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(encode_one({1, {"a", 1}, {"d", 1}, {nullptr, 0}, nullptr, 1}),
	          AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(encode_one({1, {"a", 1}, {"d", 1}, {nullptr, 3}, &good, 1}),
	          AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(encode_one({1, {nullptr, 1}, {"d", 1}, {nullptr, 0}, &good, 1}),
	          AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(autouser_core_rules_encode(nullptr, 1, nullptr, 0, &needed),
	          AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(encode_one({1, {"a", 1}, {"d", 1}, {nullptr, 0}, nullptr, 0}),
	          AUTOUSER_CORE_BUFFER_TOO_SMALL); // no roles is fine
}

TEST(Rules, EveryTruncatedPrefixIsRejected) {
	std::vector<char> blob = sample_blob();
	ASSERT_FALSE(blob.empty());
	for (size_t len = 0; len < blob.size(); ++len) {
		std::vector<char> prefix(blob.begin(), blob.begin() + static_cast<long>(len));
		EXPECT_EQ(autouser_core_rules_count(prefix.data(), len), -1) << len;
		Eval e = evaluate(prefix, "alice", "app", kAlice);
		EXPECT_EQ(e.status, AUTOUSER_CORE_INVALID_INPUT) << len;
		EXPECT_EQ(e.n_roles, 0u) << len;
	}
}

TEST(Rules, TrailingBytesAreRejected) {
	std::vector<char> blob = sample_blob();
	blob.push_back('\0');
	EXPECT_EQ(autouser_core_rules_count(blob.data(), blob.size()), -1);
	EXPECT_EQ(evaluate(blob, "alice", "app", kAlice).status, AUTOUSER_CORE_INVALID_INPUT);
}

TEST(Rules, BadMagicOrVersionIsRejected) {
	std::vector<char> blob = sample_blob();
	std::vector<char> magic = blob;
	magic[0] = 'X';
	EXPECT_EQ(autouser_core_rules_count(magic.data(), magic.size()), -1);
	std::vector<char> version = blob;
	version[4] = 2;
	EXPECT_EQ(autouser_core_rules_count(version.data(), version.size()), -1);
	EXPECT_EQ(evaluate(version, "alice", "app", kAlice).status, AUTOUSER_CORE_INVALID_INPUT);
}

// Every byte set to a few hostile values, with the total length kept consistent: no crash (the
// sanitizer build checks the reads), and only sensible statuses.
TEST(Rules, CorruptedBytesNeverCrash) {
	const std::vector<char> blob = sample_blob();
	for (size_t i = 0; i < blob.size(); ++i) {
		for (unsigned char v : {0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff}) {
			std::vector<char> bad = blob;
			bad[i] = static_cast<char>(v);
			int64_t count = autouser_core_rules_count(bad.data(), bad.size());
			EXPECT_GE(count, -1);
			Eval e = evaluate(bad, "alice", "app", kAlice, 256);
			EXPECT_TRUE(e.status == AUTOUSER_CORE_OK || e.status == AUTOUSER_CORE_NO_MATCH ||
			            e.status == AUTOUSER_CORE_INVALID_INPUT)
			    << "byte " << i << " value " << int(v) << " status " << e.status;
			if (count == -1) {
				EXPECT_EQ(e.status, AUTOUSER_CORE_INVALID_INPUT) << i;
			}
		}
	}
}

TEST(Rules, MalformedTemplateInsideBlobIsInvalidInput) {
	std::vector<char> blob = encode({Rule{1, "*", "*", {"t_{{cert.OU}}"}}});
	std::string text(blob.begin(), blob.end());
	size_t at = text.find("}}");
	ASSERT_NE(at, std::string::npos);
	blob[at] = ')'; // "t_{{cert.OU)}" no longer parses
	EXPECT_EQ(autouser_core_rules_count(blob.data(), blob.size()), 1); // structure still fine
	Eval e = evaluate(blob, "a", "d", {{"OU", "ops"}});
	EXPECT_EQ(e.status, AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(e.n_roles, 0u);
}

TEST(Rules, BadExpansionWinsOverLaterMatchesButNotOverMalformedBlob) {
	std::vector<char> blob = encode({Rule{1, "*", "*", {"{{cert.OU}}"}}, Rule{2, "*", "*", {"r"}}});
	Eval e = evaluate(blob, "a", "d", {{"OU", std::string(64, 'x')}});
	EXPECT_EQ(e.status, AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(e.roles, (Names{std::string(64, 'x')}));
	blob.pop_back();
	Eval broken = evaluate(blob, "a", "d", {{"OU", std::string(64, 'x')}});
	EXPECT_EQ(broken.status, AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(broken.n_roles, 0u);
}

TEST(Rules, TenThousandRulesEvaluateCorrectly) {
	std::vector<Rule> rules;
	for (int i = 0; i < 10000; ++i)
		rules.push_back(Rule{i,
		                     "user" + std::to_string(i),
		                     "app_*",
		                     {"role" + std::to_string(i % 100), "team_{{cert.OU}}"}});
	rules.push_back(rule_ou(10000, "*", "app_prod", "ops", {"oncall"}));
	std::vector<char> blob = encode(rules);
	EXPECT_EQ(autouser_core_rules_count(blob.data(), blob.size()), 10001);

	Eval e = evaluate(blob, "user4242", "app_prod", {{"OU", "ops"}, {"OU", "dev"}});
	EXPECT_EQ(e.status, AUTOUSER_CORE_OK);
	EXPECT_EQ(e.roles, (Names{"oncall", "role42", "team_dev", "team_ops"}));
	EXPECT_EQ(e.matched_id, 4242);

	Eval last = evaluate(blob, "nobody", "app_prod", {{"OU", "ops"}});
	EXPECT_EQ(last.roles, (Names{"oncall"}));
	EXPECT_EQ(last.matched_id, 10000);

	EXPECT_EQ(evaluate(blob, "user4242", "postgres", {}).status, AUTOUSER_CORE_NO_MATCH);
}

} // namespace
