// rules_test.cpp -- rules_encode / rules_evaluate: matching, the flag bytes, candidates, buffer
// sizes and malformed blobs.  Template expansion itself is template_test.cpp's.
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
	EXPECT_EQ(e.flags, (Flags{kLiteral, kLiteral}));
	EXPECT_EQ(e.n_roles, 2u);
	EXPECT_EQ(e.needed, 18u); // two entries of flag byte + name + NUL
	EXPECT_EQ(e.matched_id, 10);
	EXPECT_EQ(e.candidates, 1u);
}

TEST(Rules, NoMatchingRuleGivesNoMatch) {
	Eval e = evaluate(encode({Rule{10, "alice", "app", {"readers"}}}), "bob", "app", kAlice);
	EXPECT_EQ(e.status, AUTOUSER_CORE_NO_MATCH);
	EXPECT_EQ(e.n_roles, 0u);
	EXPECT_EQ(e.needed, 0u);
	EXPECT_EQ(e.matched_id, 0);
	EXPECT_EQ(e.candidates, 0u);
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
	EXPECT_EQ(u.needed, 12u);
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
	Eval e = evaluate(blob, "a", "d", {});
	EXPECT_EQ(e.status, AUTOUSER_CORE_NO_MATCH);
	EXPECT_EQ(e.candidates, 0u);
}

TEST(Rules, BufferTooSmallReportsExactNeededThenSucceeds) {
	std::vector<char> blob = sample_blob();
	Eval probe = evaluate(blob, "alice", "app", kAlice, 0);
	EXPECT_EQ(probe.status, AUTOUSER_CORE_BUFFER_TOO_SMALL);
	EXPECT_EQ(probe.n_roles, 4u);
	EXPECT_EQ(probe.matched_id, 1);
	EXPECT_EQ(probe.candidates, 3u);
	// One flag byte in front of each name, one NUL after it.
	ASSERT_EQ(probe.needed, std::string("ops_only readers team_dev team_ops ").size() + 4);
	EXPECT_EQ(evaluate(blob, "alice", "app", kAlice, probe.needed - 1).status,
	          AUTOUSER_CORE_BUFFER_TOO_SMALL);
	Eval exact = evaluate(blob, "alice", "app", kAlice, probe.needed);
	EXPECT_EQ(exact.status, AUTOUSER_CORE_OK);
	EXPECT_EQ(exact.roles, (Names{"ops_only", "readers", "team_dev", "team_ops"}));
	EXPECT_EQ(exact.flags, (Flags{kLiteral, kLiteral, kFromTemplate, kFromTemplate}));
	EXPECT_EQ(exact.needed, probe.needed);
}

// The exact bytes of out, so the glue's reader can rely on the layout: flag, name, NUL, ...
TEST(Rules, OutputIsFlagByteThenNamePerEntry) {
	std::vector<char> blob = encode({Rule{1, "*", "*", {"b", "t_{{cert.OU}}"}}});
	std::vector<autouser_core_attr> attrs{{{"OU", 2}, {"x", 1}}};
	autouser_core_login login = make_login("a", "d", attrs);
	char out[16];
	autouser_core_eval_result r{};
	ASSERT_EQ(autouser_core_rules_evaluate(blob.data(), blob.size(), &login, out, sizeof out, &r),
	          AUTOUSER_CORE_OK);
	ASSERT_EQ(r.needed, 8u);
	EXPECT_EQ(std::string(out, r.needed), std::string("\x00"
	                                                  "b\x00"
	                                                  "\x01"
	                                                  "t_x\x00",
	                                                  8));
}

TEST(Rules, NullOutWithZeroCapacityIsASizeQuery) {
	std::vector<char> blob = encode({Rule{1, "*", "*", {"abc"}}});
	autouser_core_login login{{"a", 1}, {"d", 1}, nullptr, 0};
	autouser_core_eval_result r{};
	EXPECT_EQ(autouser_core_rules_evaluate(blob.data(), blob.size(), &login, nullptr, 0, &r),
	          AUTOUSER_CORE_BUFFER_TOO_SMALL);
	EXPECT_EQ(r.needed, 5u);
	EXPECT_EQ(r.n_roles, 1u);
	EXPECT_EQ(r.matched_rule_id, 1);
	EXPECT_EQ(r.candidates, 1u);
}

TEST(Rules, EncodeReportsNeededWhenBufferTooSmall) {
	autouser_core_str role{"r", 1};
	autouser_core_rule rule{1, {"a", 1}, {"b", 1}, {nullptr, 0}, &role, 1, nullptr, 0};
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
	out.resize(needed);
	EXPECT_EQ(evaluate(out, "a", "b", {}).roles, (Names{"r"}));
}

TEST(Rules, EncodeRejectsInvalidRules) {
	autouser_core_str good{"r", 1};
	autouser_core_str bad_entry{"{{cert.OU", 9};
	std::string long_pattern(64, 'a');
	size_t needed = 0;
	auto encode_one = [&](autouser_core_rule rule) {
		return autouser_core_rules_encode(&rule, 1, nullptr, 0, &needed);
	};
	EXPECT_EQ(encode_one({1, {"", 0}, {"d", 1}, {nullptr, 0}, &good, 1, nullptr, 0}),
	          AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(encode_one({1, {"a", 1}, {"", 0}, {nullptr, 0}, &good, 1, nullptr, 0}),
	          AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(
	    encode_one({1, {long_pattern.data(), 64}, {"d", 1}, {nullptr, 0}, &good, 1, nullptr, 0}),
	    AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(encode_one({1, {"a\n", 2}, {"d", 1}, {nullptr, 0}, &good, 1, nullptr, 0}),
	          AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(encode_one({1, {"a", 1}, {"d", 1}, {nullptr, 0}, &bad_entry, 1, nullptr, 0}),
	          AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(encode_one({1, {"a", 1}, {"d", 1}, {nullptr, 0}, nullptr, 1, nullptr, 0}),
	          AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(encode_one({1, {"a", 1}, {"d", 1}, {nullptr, 3}, &good, 1, nullptr, 0}),
	          AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(encode_one({1, {nullptr, 1}, {"d", 1}, {nullptr, 0}, &good, 1, nullptr, 0}),
	          AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(autouser_core_rules_encode(nullptr, 1, nullptr, 0, &needed),
	          AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(encode_one({1, {"a", 1}, {"d", 1}, {nullptr, 0}, nullptr, 0, nullptr, 0}),
	          AUTOUSER_CORE_BUFFER_TOO_SMALL); // no roles is fine
}

TEST(Rules, EveryTruncatedPrefixIsRejected) {
	std::vector<char> blob = sample_blob();
	ASSERT_FALSE(blob.empty());
	for (size_t len = 0; len < blob.size(); ++len) {
		std::vector<char> prefix(blob.begin(), blob.begin() + static_cast<long>(len));
		Eval e = evaluate(prefix, "alice", "app", kAlice);
		EXPECT_EQ(e.status, AUTOUSER_CORE_INVALID_INPUT) << len;
		EXPECT_EQ(e.n_roles, 0u) << len;
		EXPECT_EQ(e.needed, 0u) << len;
		EXPECT_EQ(e.matched_id, 0) << len;
		EXPECT_EQ(e.candidates, 0u) << len;
	}
}

TEST(Rules, TrailingBytesAreRejected) {
	std::vector<char> blob = sample_blob();
	blob.push_back('\0');
	Eval e = evaluate(blob, "alice", "app", kAlice);
	EXPECT_EQ(e.status, AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(e.candidates, 0u);
}

TEST(Rules, BadMagicOrVersionIsRejected) {
	std::vector<char> blob = sample_blob();
	std::vector<char> magic = blob;
	magic[0] = 'X';
	EXPECT_EQ(evaluate(magic, "alice", "app", kAlice).status, AUTOUSER_CORE_INVALID_INPUT);
	std::vector<char> version = blob;
	version[4] = 1; // the layout before rule options
	EXPECT_EQ(evaluate(version, "alice", "app", kAlice).status, AUTOUSER_CORE_INVALID_INPUT);
}

// Every byte set to a few hostile values, with the total length kept consistent: no crash (the
// sanitizer build checks the reads), only sensible statuses, and a malformed blob reports nothing.
TEST(Rules, CorruptedBytesNeverCrash) {
	const std::vector<char> blob = sample_blob();
	for (size_t i = 0; i < blob.size(); ++i) {
		for (unsigned char v : {0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff}) {
			std::vector<char> bad = blob;
			bad[i] = static_cast<char>(v);
			Eval e = evaluate(bad, "alice", "app", kAlice, 256);
			EXPECT_TRUE(e.status == AUTOUSER_CORE_OK || e.status == AUTOUSER_CORE_NO_MATCH ||
			            e.status == AUTOUSER_CORE_INVALID_INPUT)
			    << "byte " << i << " value " << int(v) << " status " << e.status;
			EXPECT_LE(e.candidates, 4u) << i;
			if (e.status == AUTOUSER_CORE_INVALID_INPUT && e.n_roles == 0) {
				EXPECT_EQ(e.candidates, 0u) << i;
				EXPECT_EQ(e.matched_id, 0) << i;
			}
		}
	}
}

TEST(Rules, MalformedTemplateInsideBlobIsInvalidInput) {
	std::vector<char> blob = encode({Rule{1, "*", "*", {"t_{{cert.OU}}"}}});
	std::string text(blob.begin(), blob.end());
	size_t at = text.find("}}");
	ASSERT_NE(at, std::string::npos);
	blob[at] = ')'; // "t_{{cert.OU)}" no longer parses, though the record's structure is fine
	Eval e = evaluate(blob, "a", "d", {{"OU", "ops"}});
	EXPECT_EQ(e.status, AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(e.n_roles, 0u);
	EXPECT_EQ(e.candidates, 0u);
}

TEST(Rules, BadExpansionWinsOverLaterMatchesButNotOverMalformedBlob) {
	std::vector<char> blob = encode({Rule{1, "*", "*", {"{{cert.OU}}"}}, Rule{2, "*", "*", {"r"}}});
	Eval e = evaluate(blob, "a", "d", {{"OU", std::string(64, 'x')}});
	EXPECT_EQ(e.status, AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(e.roles, (Names{std::string(64, 'x')}));
	EXPECT_EQ(e.candidates, 2u); // the later rule is still counted
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

	Eval e = evaluate(blob, "user4242", "app_prod", {{"OU", "ops"}, {"OU", "dev"}});
	EXPECT_EQ(e.status, AUTOUSER_CORE_OK);
	EXPECT_EQ(e.roles, (Names{"oncall", "role42", "team_dev", "team_ops"}));
	EXPECT_EQ(e.flags, (Flags{kLiteral, kLiteral, kFromTemplate, kFromTemplate}));
	EXPECT_EQ(e.matched_id, 4242);
	EXPECT_EQ(e.candidates, 2u);

	Eval last = evaluate(blob, "nobody", "app_prod", {{"OU", "ops"}});
	EXPECT_EQ(last.roles, (Names{"oncall"}));
	EXPECT_EQ(last.matched_id, 10000);
	EXPECT_EQ(last.candidates, 1u);

	EXPECT_EQ(evaluate(blob, "user4242", "postgres", {}).status, AUTOUSER_CORE_NO_MATCH);
}

// --- Flag bytes: which roles only certificate text named ---

TEST(Rules, LiteralRoleHasNoFlag) {
	Eval e = evaluate(encode({Rule{1, "*", "*", {"readers"}}}), "a", "d", {});
	EXPECT_EQ(e.flags, (Flags{kLiteral}));
}

TEST(Rules, TemplateRoleIsFlaggedFromTemplate) {
	Eval e = evaluate(encode({Rule{1, "*", "*", {"team_{{cert.OU}}"}}}), "a", "d",
	                  {{"OU", "ops"}, {"OU", "dev"}});
	EXPECT_EQ(e.roles, (Names{"team_dev", "team_ops"}));
	EXPECT_EQ(e.flags, (Flags{kFromTemplate, kFromTemplate}));
}

TEST(Rules, FlagsFollowTheirRoleThroughTheSort) {
	Eval e = evaluate(encode({Rule{1, "*", "*", {"{{cert.OU}}", "b", "d"}}}), "a", "d",
	                  {{"OU", "c"}, {"OU", "a"}, {"OU", "e"}});
	EXPECT_EQ(e.roles, (Names{"a", "b", "c", "d", "e"}));
	EXPECT_EQ(e.flags, (Flags{kFromTemplate, kLiteral, kFromTemplate, kLiteral, kFromTemplate}));
}

TEST(Rules, RoleGivenLiterallyAndByTemplateInOneRuleIsLiteral) {
	for (std::vector<std::string> entries :
	     {std::vector<std::string>{"ops", "{{cert.OU}}"}, {"{{cert.OU}}", "ops"}}) {
		Eval e = evaluate(encode({Rule{1, "*", "*", entries}}), "a", "d", {{"OU", "ops"}});
		EXPECT_EQ(e.roles, (Names{"ops"}));
		EXPECT_EQ(e.flags, (Flags{kLiteral}));
		EXPECT_EQ(e.needed, 5u);
	}
}

TEST(Rules, RoleGivenLiterallyByOneRuleAndByTemplateByAnotherIsLiteral) {
	const std::vector<Attr> attrs{{"OU", "ops"}};
	Eval template_first = evaluate(
	    encode({Rule{1, "*", "*", {"{{cert.OU}}"}}, Rule{2, "*", "*", {"ops"}}}), "a", "d", attrs);
	EXPECT_EQ(template_first.roles, (Names{"ops"}));
	EXPECT_EQ(template_first.flags, (Flags{kLiteral}));
	Eval literal_first = evaluate(
	    encode({Rule{1, "*", "*", {"ops"}}, Rule{2, "*", "*", {"{{cert.OU}}"}}}), "a", "d", attrs);
	EXPECT_EQ(literal_first.roles, (Names{"ops"}));
	EXPECT_EQ(literal_first.flags, (Flags{kLiteral}));
}

TEST(Rules, RoleOnlyTemplatesGiveStaysFromTemplateWhenMerged) {
	Eval e = evaluate(encode({Rule{1, "*", "*", {"{{cert.OU}}"}},
	                          Rule{2, "*", "*", {"{{cert.O}}", "x_{{cert.OU}}"}}}),
	                  "a", "d", {{"OU", "ops"}, {"O", "ops"}});
	EXPECT_EQ(e.roles, (Names{"ops", "x_ops"}));
	EXPECT_EQ(e.flags, (Flags{kFromTemplate, kFromTemplate}));
}

TEST(Rules, LiteralInANonMatchingRuleDoesNotClearTheFlag) {
	Eval e = evaluate(encode({Rule{1, "*", "*", {"{{cert.OU}}"}}, Rule{2, "bob", "*", {"ops"}}}),
	                  "alice", "d", {{"OU", "ops"}});
	EXPECT_EQ(e.roles, (Names{"ops"}));
	EXPECT_EQ(e.flags, (Flags{kFromTemplate}));
}

// Evaluation only builds names; whether a "pg_" name may be granted is decide()'s.
TEST(Rules, TemplateMayYieldAPgPrefixedNameForDecideToJudge) {
	Eval e = evaluate(encode({Rule{1, "*", "*", {"{{cert.OU}}", "pg_monitor"}}}), "a", "d",
	                  {{"OU", "pg_read_all_data"}});
	EXPECT_EQ(e.status, AUTOUSER_CORE_OK);
	EXPECT_EQ(e.roles, (Names{"pg_monitor", "pg_read_all_data"}));
	EXPECT_EQ(e.flags, (Flags{kLiteral, kFromTemplate}));
}

// --- candidates: rules whose identity and database match, whatever the OU ---

TEST(Rules, CandidatesCountRulesMatchingIdentityAndDatabase) {
	Eval e = evaluate(sample_blob(), "alice", "app", kAlice);
	EXPECT_EQ(e.candidates, 3u); // rules 1, 2 and 4; rule 3 wants *.svc
	Eval other_db = evaluate(sample_blob(), "alice", "postgres", kAlice);
	EXPECT_EQ(other_db.candidates, 1u); // rule 4 only
}

TEST(Rules, CandidatesIgnoreTheCertOu) {
	std::vector<char> blob =
	    encode({rule_ou(1, "*", "*", "ops", {"r"}), rule_ou(2, "*", "*", "dev", {"s"})});
	Eval ops = evaluate(blob, "a", "d", {{"OU", "ops"}});
	EXPECT_EQ(ops.status, AUTOUSER_CORE_OK);
	EXPECT_EQ(ops.candidates, 2u);
	Eval qa = evaluate(blob, "a", "d", {{"OU", "qa"}});
	EXPECT_EQ(qa.status, AUTOUSER_CORE_NO_MATCH);
	EXPECT_EQ(qa.candidates, 2u);
}

// The glue's case: the subject could not be read, so it evaluates with no attributes.  An OU
// rule then matches nothing, but candidates says the login is one pg_autouser would act on.
TEST(Rules, CandidatesWithoutAttributesShowARuleCouldApply) {
	std::vector<char> blob = encode({rule_ou(1, "alice", "*", "ops", {"r"})});
	Eval alice = evaluate(blob, "alice", "d", {});
	EXPECT_EQ(alice.status, AUTOUSER_CORE_NO_MATCH);
	EXPECT_EQ(alice.matched_id, 0);
	EXPECT_EQ(alice.candidates, 1u);
	Eval bob = evaluate(blob, "bob", "d", {});
	EXPECT_EQ(bob.status, AUTOUSER_CORE_NO_MATCH);
	EXPECT_EQ(bob.candidates, 0u);
}

TEST(Rules, CandidatesIncludeRulesWithoutCertOu) {
	std::vector<char> blob = encode({Rule{1, "*", "*", {"r"}}, rule_ou(2, "*", "*", "ops", {"s"})});
	Eval e = evaluate(blob, "a", "d", {});
	EXPECT_EQ(e.status, AUTOUSER_CORE_OK);
	EXPECT_EQ(e.roles, (Names{"r"}));
	EXPECT_EQ(e.candidates, 2u);
}

TEST(Rules, CandidatesAreSetWithBufferTooSmall) {
	Eval e = evaluate(sample_blob(), "alice", "app", kAlice, 3);
	EXPECT_EQ(e.status, AUTOUSER_CORE_BUFFER_TOO_SMALL);
	EXPECT_EQ(e.candidates, 3u);
}

} // namespace
