// options_test.cpp -- rule options through rules_encode / rules_evaluate: their encoding, the merge
// of several matching rules' options (first rule, or lowest rank), their order in the output and
// malformed options.  What an option means is the glue's and is not tested here.
#include "test_support.hpp"

#include <cstring>
#include <string>

namespace {

using namespace test_support;

constexpr auto kSetting = AUTOUSER_CORE_OPTION_SETTING;
constexpr auto kAttribute = AUTOUSER_CORE_OPTION_ATTRIBUTE;
constexpr auto kFirst = AUTOUSER_CORE_MERGE_FIRST;
constexpr auto kLowest = AUTOUSER_CORE_MERGE_LOWEST_RANK;

Rule with(Rule rule, std::vector<Option> options) {
	rule.options = std::move(options);
	return rule;
}

Option setting(std::string name, std::string value) {
	return {kSetting, std::move(name), std::move(value), kFirst, 0};
}

Option ranked(autouser_core_option_kind kind, std::string name, std::string value, int64_t rank) {
	return {kind, std::move(name), std::move(value), kLowest, rank};
}

TEST(Options, ARuleGivesItsOptionsAfterItsRoles) {
	Eval e = evaluate(
	    encode({with(Rule{1, "*", "*", {"readers"}},
	                 {setting("search_path", "app"), ranked(kAttribute, "inherit", "false", 0)})}),
	    "alice", "app", {});
	ASSERT_EQ(e.status, AUTOUSER_CORE_OK);
	EXPECT_EQ(e.roles, (Names{"readers"}));
	EXPECT_EQ(e.n_options, 2u);
	// Attributes (kind 0) sort before settings (kind 1).
	EXPECT_EQ(e.options, (Names{"0:inherit=false", "1:search_path=app"}));
	EXPECT_EQ(e.needed, 9u + 15u + 17u);
}

TEST(Options, NoOptionsGiveNone) {
	Eval e = evaluate(encode({Rule{1, "*", "*", {"r"}}}), "a", "d", {});
	EXPECT_EQ(e.status, AUTOUSER_CORE_OK);
	EXPECT_EQ(e.n_options, 0u);
	EXPECT_TRUE(e.options.empty());
	EXPECT_EQ(e.needed, 3u);
}

TEST(Options, ARuleWithOptionsButNoRolesGivesItsOptions) {
	Eval e =
	    evaluate(encode({with(Rule{1, "*", "*", {}}, {setting("work_mem", "4MB")})}), "a", "d", {});
	EXPECT_EQ(e.status, AUTOUSER_CORE_OK);
	EXPECT_TRUE(e.roles.empty());
	EXPECT_EQ(e.options, (Names{"1:work_mem=4MB"}));
}

TEST(Options, FirstMatchingRuleWinsForFirstMerge) {
	std::vector<char> blob = encode({
	    with(Rule{1, "*", "*", {"r"}}, {setting("search_path", "one")}),
	    with(Rule{2, "*", "*", {"r"}}, {setting("search_path", "two")}),
	});
	EXPECT_EQ(evaluate(blob, "a", "d", {}).options, (Names{"1:search_path=one"}));
}

TEST(Options, OnlyMatchingRulesCount) {
	std::vector<char> blob = encode({
	    with(Rule{1, "bob", "*", {"r"}}, {setting("search_path", "bobs")}),
	    with(rule_ou(2, "*", "*", "ops", {"r"}), {setting("search_path", "ops")}),
	    with(Rule{3, "*", "other", {"r"}}, {setting("search_path", "other")}),
	    with(Rule{4, "*", "*", {"r"}}, {setting("search_path", "everyone")}),
	});
	EXPECT_EQ(evaluate(blob, "alice", "app", {{"OU", "dev"}}).options,
	          (Names{"1:search_path=everyone"}));
	EXPECT_EQ(evaluate(blob, "alice", "app", {{"OU", "ops"}}).options,
	          (Names{"1:search_path=ops"}));
	EXPECT_EQ(evaluate(blob, "bob", "other", {}).options, (Names{"1:search_path=bobs"}));
	Eval none = evaluate(blob, "alice", "app", {}, 1 << 10);
	EXPECT_EQ(none.options, (Names{"1:search_path=everyone"}));
}

TEST(Options, LowestRankWinsWhateverTheOrder) {
	for (bool low_first : {true, false}) {
		Option low = ranked(kSetting, "statement_timeout", "1s", 1000);
		Option high = ranked(kSetting, "statement_timeout", "1min", 60000);
		std::vector<char> blob = encode({
		    with(Rule{1, "*", "*", {"r"}}, {low_first ? low : high}),
		    with(Rule{2, "*", "*", {"r"}}, {low_first ? high : low}),
		});
		EXPECT_EQ(evaluate(blob, "a", "d", {}).options, (Names{"1:statement_timeout=1s"}))
		    << low_first;
	}
}

TEST(Options, EqualRanksKeepTheFirst) {
	std::vector<char> blob = encode({
	    with(Rule{1, "*", "*", {"r"}}, {ranked(kSetting, "work_mem", "1024kB", 1024)}),
	    with(Rule{2, "*", "*", {"r"}}, {ranked(kSetting, "work_mem", "1MB", 1024)}),
	});
	EXPECT_EQ(evaluate(blob, "a", "d", {}).options, (Names{"1:work_mem=1024kB"}));
}

TEST(Options, ExtremeRanksCompare) {
	std::vector<char> blob = encode({
	    with(Rule{1, "*", "*", {"r"}}, {ranked(kAttribute, "connection_limit", "-1", INT64_MAX)}),
	    with(Rule{2, "*", "*", {"r"}}, {ranked(kAttribute, "connection_limit", "0", 0)}),
	    with(Rule{3, "*", "*", {"r"}}, {ranked(kAttribute, "connection_limit", "x", INT64_MIN)}),
	});
	EXPECT_EQ(evaluate(blob, "a", "d", {}).options, (Names{"0:connection_limit=x"}));
}

TEST(Options, TheFirstRuleGivingAnOptionDecidesItsMerge) {
	std::vector<char> first = encode({
	    with(Rule{1, "*", "*", {"r"}}, {setting("work_mem", "8MB")}),
	    with(Rule{2, "*", "*", {"r"}}, {ranked(kSetting, "work_mem", "1MB", 1)}),
	});
	EXPECT_EQ(evaluate(first, "a", "d", {}).options, (Names{"1:work_mem=8MB"}));
	std::vector<char> ranked_first = encode({
	    with(Rule{1, "*", "*", {"r"}}, {ranked(kSetting, "work_mem", "8MB", 8)}),
	    with(Rule{2, "*", "*", {"r"}}, {setting("work_mem", "1MB")}), // rank 0
	});
	EXPECT_EQ(evaluate(ranked_first, "a", "d", {}).options, (Names{"1:work_mem=1MB"}));
}

TEST(Options, KindsAreSeparateNamespaces) {
	std::vector<char> blob =
	    encode({with(Rule{1, "*", "*", {"r"}},
	                 {setting("inherit", "s"), ranked(kAttribute, "inherit", "a", 0)})});
	EXPECT_EQ(evaluate(blob, "a", "d", {}).options, (Names{"0:inherit=a", "1:inherit=s"}));
}

TEST(Options, NamesSortBytewise) {
	std::vector<char> blob = encode(
	    {with(Rule{1, "*", "*", {"r"}}, {setting("\xc3\xa9t\xc3\xa9", "1"), setting("b", "2"),
	                                     setting("B", "3"), setting("a", "")})});
	EXPECT_EQ(evaluate(blob, "a", "d", {}).options,
	          (Names{"1:B=3", "1:a=", "1:b=2", "1:\xc3\xa9t\xc3\xa9=1"}));
}

TEST(Options, MergesAcrossManyRules) {
	std::vector<Rule> rules;
	for (int i = 0; i < 100; ++i)
		rules.push_back(with(Rule{i, "*", "*", {"r"}},
		                     {ranked(kSetting, "lock_timeout", std::to_string(1000 - i), 1000 - i),
		                      setting("application_name", "app" + std::to_string(i))}));
	EXPECT_EQ(evaluate(encode(rules), "a", "d", {}).options,
	          (Names{"1:application_name=app0", "1:lock_timeout=901"}));
}

TEST(Options, BufferTooSmallCountsTheOptions) {
	std::vector<char> blob =
	    encode({with(Rule{1, "*", "*", {"r"}}, {setting("search_path", "a_long_schema_name")})});
	Eval small = evaluate(blob, "a", "d", {}, 8);
	EXPECT_EQ(small.status, AUTOUSER_CORE_BUFFER_TOO_SMALL);
	EXPECT_EQ(small.needed, 3u + 1u + 12u + 19u);
	EXPECT_EQ(small.n_options, 1u);
	Eval exact = evaluate(blob, "a", "d", {}, small.needed);
	EXPECT_EQ(exact.status, AUTOUSER_CORE_OK);
	EXPECT_EQ(exact.options, (Names{"1:search_path=a_long_schema_name"}));
}

TEST(Options, NoMatchGivesNoOptions) {
	Eval e = evaluate(encode({with(Rule{1, "bob", "*", {"r"}}, {setting("work_mem", "1MB")})}),
	                  "alice", "d", {});
	EXPECT_EQ(e.status, AUTOUSER_CORE_NO_MATCH);
	EXPECT_EQ(e.n_options, 0u);
}

TEST(Options, EncodeRejectsBadOptions) {
	autouser_core_str role{"r", 1};
	auto encode_with = [&](autouser_core_option option) {
		autouser_core_rule rule{1, {"a", 1}, {"d", 1}, {nullptr, 0}, &role, 1, &option, 1};
		size_t needed = 0;
		return autouser_core_rules_encode(&rule, 1, nullptr, 0, &needed);
	};
	EXPECT_EQ(encode_with({kSetting, {"w", 1}, {"1", 1}, kFirst, 0}),
	          AUTOUSER_CORE_BUFFER_TOO_SMALL);
	EXPECT_EQ(encode_with({kSetting, {"w", 1}, {"", 0}, kFirst, 0}),
	          AUTOUSER_CORE_BUFFER_TOO_SMALL); // an empty value is a value
	EXPECT_EQ(encode_with({kSetting, {"", 0}, {"1", 1}, kFirst, 0}), AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(encode_with({kSetting, {"w\0x", 3}, {"1", 1}, kFirst, 0}),
	          AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(encode_with({kSetting, {"w", 1}, {"1\0", 2}, kFirst, 0}),
	          AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(encode_with({kSetting, {nullptr, 1}, {"1", 1}, kFirst, 0}),
	          AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(encode_with({kSetting, {"w", 1}, {nullptr, 1}, kFirst, 0}),
	          AUTOUSER_CORE_INVALID_INPUT);
	// Plain integers in the struct: any value may arrive, and only two of each are known.
	EXPECT_EQ(encode_with({2, {"w", 1}, {"1", 1}, kFirst, 0}), AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(encode_with({-1, {"w", 1}, {"1", 1}, kFirst, 0}), AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(encode_with({kSetting, {"w", 1}, {"1", 1}, -1, 0}), AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(encode_with({kSetting, {"w", 1}, {"1", 1}, 2, 0}), AUTOUSER_CORE_INVALID_INPUT);
	autouser_core_rule no_array{1, {"a", 1}, {"d", 1}, {nullptr, 0}, &role, 1, nullptr, 2};
	size_t needed = 0;
	EXPECT_EQ(autouser_core_rules_encode(&no_array, 1, nullptr, 0, &needed),
	          AUTOUSER_CORE_INVALID_INPUT);
}

// A blob whose option bytes are changed after encoding: a kind or merge the core does not know
// and a NUL in a name are malformed, even in a rule the login does not match.
TEST(Options, CorruptOptionsMakeTheBlobMalformed) {
	const std::vector<char> blob = encode({
	    with(Rule{1, "nobody", "*", {"r"}}, {ranked(kSetting, "name", "value", 0x55)}),
	    Rule{2, "*", "*", {"r"}},
	});
	std::string text(blob.begin(), blob.end());
	size_t name = text.find("name");
	ASSERT_NE(name, std::string::npos);
	for (size_t at : {name - 5, name + 4 + 4 + 5}) { // the kind byte, the merge byte
		std::vector<char> bad = blob;
		bad[at] = 2;
		EXPECT_EQ(evaluate(bad, "alice", "d", {}).status, AUTOUSER_CORE_INVALID_INPUT) << at;
	}
	std::vector<char> nul = blob;
	nul[name + 1] = '\0';
	EXPECT_EQ(evaluate(nul, "alice", "d", {}).status, AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(evaluate(blob, "alice", "d", {}).status, AUTOUSER_CORE_OK);
}

TEST(Options, EveryTruncatedPrefixIsRejected) {
	const std::vector<char> blob =
	    encode({with(Rule{1, "*", "*", {"r"}}, {ranked(kSetting, "work_mem", "64kB", 64)})});
	for (size_t len = 0; len < blob.size(); ++len) {
		std::vector<char> prefix(blob.begin(), blob.begin() + static_cast<long>(len));
		EXPECT_EQ(evaluate(prefix, "a", "d", {}).status, AUTOUSER_CORE_INVALID_INPUT) << len;
	}
}

} // namespace
