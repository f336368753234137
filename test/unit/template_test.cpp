// template_test.cpp -- role entry classification and {{cert.X}} expansion (via rules_evaluate).
#include "test_support.hpp"

#include <string>

namespace {

using namespace test_support;

autouser_core_role_entry_kind classify(const std::string &s) {
	return autouser_core_classify_role_entry(s.data(), s.size());
}

// Evaluates one catch-all rule holding `entries` for a login with `attrs`.
Eval expand(std::vector<std::string> entries, const std::vector<Attr> &attrs,
            size_t cap = 1 << 16) {
	std::vector<char> blob = encode({Rule{7, "*", "*", std::move(entries)}});
	return evaluate(blob, "alice", "db", attrs, cap);
}

TEST(Template, ClassifiesPlainNameAsName) {
	EXPECT_EQ(classify("readers"), AUTOUSER_CORE_ROLE_ENTRY_NAME);
	EXPECT_EQ(classify("a{b}c"), AUTOUSER_CORE_ROLE_ENTRY_NAME);
	EXPECT_EQ(classify("{"), AUTOUSER_CORE_ROLE_ENTRY_NAME);
	EXPECT_EQ(classify("cert.OU"), AUTOUSER_CORE_ROLE_ENTRY_NAME);
	EXPECT_EQ(classify("J\xc3\xbcrgen"), AUTOUSER_CORE_ROLE_ENTRY_NAME);
}

TEST(Template, ClassifiesTemplates) {
	EXPECT_EQ(classify("{{cert.OU}}"), AUTOUSER_CORE_ROLE_ENTRY_TEMPLATE);
	EXPECT_EQ(classify("team_{{cert.OU}}"), AUTOUSER_CORE_ROLE_ENTRY_TEMPLATE);
	EXPECT_EQ(classify("{{cert.O}}_{{cert.OU}}"), AUTOUSER_CORE_ROLE_ENTRY_TEMPLATE);
	EXPECT_EQ(classify("{{cert.emailAddress}}"), AUTOUSER_CORE_ROLE_ENTRY_TEMPLATE);
	EXPECT_EQ(classify("{{cert.x509v3}}_r"), AUTOUSER_CORE_ROLE_ENTRY_TEMPLATE);
	EXPECT_EQ(classify("{{cert.CN}}{{cert.CN}}"), AUTOUSER_CORE_ROLE_ENTRY_TEMPLATE);
	EXPECT_EQ(classify("{{cert.O}}}"), AUTOUSER_CORE_ROLE_ENTRY_TEMPLATE); // trailing '}' literal
}

TEST(Template, RejectsMalformedBraces) {
	for (std::string bad : {"{{cert.OU", "{{cert.OU}", "{{OU}}", "{{cert.}}", "{{cert.1A}}",
	                        "{{cert._A}}", "{{cert.O U}}", "{{ cert.OU }}", "{{cert.OU }}",
	                        "{{Cert.OU}}", "{{cert:OU}}", "}}", "a}}b", "{{", "{{{cert.OU}}",
	                        "x{{cert.O-U}}", "{{cert.OU}}}}", "{{cert.O.U}}", "{{cert.OU}}{{"})
		EXPECT_EQ(classify(bad), AUTOUSER_CORE_ROLE_ENTRY_INVALID) << bad;
}

TEST(Template, RejectsEmptyControlAndBadUtf8) {
	EXPECT_EQ(classify(""), AUTOUSER_CORE_ROLE_ENTRY_INVALID);
	EXPECT_EQ(autouser_core_classify_role_entry(nullptr, 0), AUTOUSER_CORE_ROLE_ENTRY_INVALID);
	EXPECT_EQ(classify(std::string("a\0b", 3)), AUTOUSER_CORE_ROLE_ENTRY_INVALID);
	EXPECT_EQ(classify("team_{{cert.OU}}\n"), AUTOUSER_CORE_ROLE_ENTRY_INVALID);
	EXPECT_EQ(classify("team_\xc3"), AUTOUSER_CORE_ROLE_ENTRY_INVALID);
	EXPECT_EQ(classify("\xed\xa0\x80{{cert.OU}}"), AUTOUSER_CORE_ROLE_ENTRY_INVALID);
}

TEST(Template, NameLengthLimitIs63Bytes) {
	EXPECT_EQ(classify(std::string(63, 'r')), AUTOUSER_CORE_ROLE_ENTRY_NAME);
	EXPECT_EQ(classify(std::string(64, 'r')), AUTOUSER_CORE_ROLE_ENTRY_INVALID);
}

TEST(Template, TemplateLiteralTextLimitIs63Bytes) {
	EXPECT_EQ(classify(std::string(63, 'r') + "{{cert.OU}}"), AUTOUSER_CORE_ROLE_ENTRY_TEMPLATE);
	EXPECT_EQ(classify(std::string(30, 'r') + "{{cert.OU}}" + std::string(33, 's')),
	          AUTOUSER_CORE_ROLE_ENTRY_TEMPLATE);
	EXPECT_EQ(classify(std::string(64, 'r') + "{{cert.OU}}"), AUTOUSER_CORE_ROLE_ENTRY_INVALID);
	EXPECT_EQ(classify(std::string(32, 'r') + "{{cert.OU}}" + std::string(32, 's')),
	          AUTOUSER_CORE_ROLE_ENTRY_INVALID);
}

TEST(Template, ExpandsMultiValuedOuToOneRolePerValue) {
	Eval e = expand({"team_{{cert.OU}}"}, {{"CN", "alice"}, {"OU", "ops"}, {"OU", "dev"}});
	EXPECT_EQ(e.status, AUTOUSER_CORE_OK);
	EXPECT_EQ(e.roles, (Names{"team_dev", "team_ops"}));
	EXPECT_EQ(e.flags, (Flags{kFromTemplate, kFromTemplate}));
	EXPECT_EQ(e.n_roles, 2u);
	EXPECT_EQ(e.needed, 20u);
}

TEST(Template, MissingAttributeExpandsToNoRole) {
	Eval e = expand({"team_{{cert.OU}}", "base"}, {{"CN", "alice"}, {"O", "acme"}});
	EXPECT_EQ(e.status, AUTOUSER_CORE_OK);
	EXPECT_EQ(e.roles, (Names{"base"}));
	EXPECT_EQ(e.flags, (Flags{kLiteral}));
}

TEST(Template, OnlyMissingAttributesGiveOkWithZeroRoles) {
	Eval e = expand({"{{cert.OU}}"}, {{"CN", "alice"}});
	EXPECT_EQ(e.status, AUTOUSER_CORE_OK);
	EXPECT_EQ(e.n_roles, 0u);
	EXPECT_EQ(e.needed, 0u);
	EXPECT_EQ(e.matched_id, 7);
}

TEST(Template, AttributeNamesAreCaseSensitive) {
	Eval e = expand({"{{cert.ou}}", "{{cert.OU}}"}, {{"OU", "ops"}});
	EXPECT_EQ(e.roles, (Names{"ops"}));
}

TEST(Template, KeepsTextAroundTemplate) {
	Eval e = expand({"pre_{{cert.O}}_post"}, {{"O", "acme"}});
	EXPECT_EQ(e.roles, (Names{"pre_acme_post"}));
	EXPECT_EQ(e.flags, (Flags{kFromTemplate})); // literal text around it does not make it literal
}

TEST(Template, TwoTemplatesGiveCartesianProduct) {
	Eval e = expand({"{{cert.O}}_{{cert.OU}}"},
	                {{"O", "acme"}, {"O", "beta"}, {"OU", "ops"}, {"OU", "dev"}, {"OU", "qa"}});
	EXPECT_EQ(e.status, AUTOUSER_CORE_OK);
	EXPECT_EQ(e.roles,
	          (Names{"acme_dev", "acme_ops", "acme_qa", "beta_dev", "beta_ops", "beta_qa"}));
}

TEST(Template, SameAttributeTwiceCombinesWithItself) {
	Eval e = expand({"{{cert.OU}}-{{cert.OU}}"}, {{"OU", "a"}, {"OU", "b"}});
	EXPECT_EQ(e.roles, (Names{"a-a", "a-b", "b-a", "b-b"}));
}

TEST(Template, CartesianWithOneMissingAttributeIsEmpty) {
	Eval e = expand({"{{cert.O}}_{{cert.OU}}"}, {{"O", "acme"}});
	EXPECT_EQ(e.status, AUTOUSER_CORE_OK);
	EXPECT_EQ(e.n_roles, 0u);
}

TEST(Template, ExpandsCnFromSubjectAttribute) {
	Eval e = expand({"{{cert.CN}}_home"}, {{"CN", "alice"}});
	EXPECT_EQ(e.roles, (Names{"alice_home"}));
}

TEST(Template, RepeatedValuesAreDeduplicated) {
	Eval e = expand({"t_{{cert.OU}}"}, {{"OU", "ops"}, {"OU", "ops"}, {"OU", "dev"}});
	EXPECT_EQ(e.roles, (Names{"t_dev", "t_ops"}));
}

TEST(Template, ExpansionOf63BytesIsAccepted) {
	Eval e = expand({"r_{{cert.OU}}"}, {{"OU", std::string(61, 'x')}});
	EXPECT_EQ(e.status, AUTOUSER_CORE_OK);
	EXPECT_EQ(e.roles, (Names{"r_" + std::string(61, 'x')}));
}

TEST(Template, ExpansionTooLongIsInvalidInputWithTheExpansion) {
	std::string expansion = "r_" + std::string(62, 'x');
	Eval e = expand({"r_{{cert.OU}}"}, {{"OU", std::string(62, 'x')}});
	EXPECT_EQ(e.status, AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(e.n_roles, 1u);
	EXPECT_EQ(e.needed, expansion.size() + 2); // flag byte, name, NUL
	EXPECT_EQ(e.roles, (Names{expansion}));
	EXPECT_EQ(e.flags, (Flags{kFromTemplate}));
	EXPECT_EQ(e.matched_id, 7);
	EXPECT_EQ(e.candidates, 1u);
}

TEST(Template, BadExpansionIsCutToFitTheBuffer) {
	Eval e = expand({"r_{{cert.OU}}"}, {{"OU", std::string(62, 'x')}}, 10);
	EXPECT_EQ(e.status, AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(e.n_roles, 1u);
	EXPECT_EQ(e.needed, 66u);
	EXPECT_EQ(e.roles, (Names{"r_xxxxxx"})); // 10 = flag byte + 8 bytes + NUL
	EXPECT_EQ(e.flags, (Flags{kFromTemplate}));
}

TEST(Template, BadExpansionInTwoBytesIsFlagAndEmptyName) {
	Eval e = expand({"r_{{cert.OU}}"}, {{"OU", std::string(62, 'x')}}, 2);
	EXPECT_EQ(e.status, AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(e.roles, (Names{""}));
	EXPECT_EQ(e.flags, (Flags{kFromTemplate}));
}

// No room for an entry: nothing is written, but n_roles = 1 still tells a bad expansion from a
// malformed blob (n_roles = 0), and needed says how much to give it.
TEST(Template, BadExpansionWithNoRoomForAnEntryWritesNothing) {
	for (size_t cap : {0, 1}) {
		Eval e = expand({"r_{{cert.OU}}"}, {{"OU", std::string(62, 'x')}}, cap);
		EXPECT_EQ(e.status, AUTOUSER_CORE_INVALID_INPUT) << cap;
		EXPECT_EQ(e.n_roles, 1u) << cap;
		EXPECT_EQ(e.needed, 66u) << cap;
		EXPECT_TRUE(e.roles.empty()) << cap; // and evaluate() checked the guard byte
	}
}

TEST(Template, ExpansionWithControlCharIsInvalid) {
	Eval e = expand({"t_{{cert.OU}}"}, {{"OU", "a\nb"}});
	EXPECT_EQ(e.status, AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(e.roles, (Names{"t_a\nb"}));
}

TEST(Template, ExpansionWithBadUtf8IsInvalid) {
	Eval e = expand({"t_{{cert.OU}}"}, {{"OU", "\xc3"}});
	EXPECT_EQ(e.status, AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(e.n_roles, 1u);
}

TEST(Template, EmptyExpansionIsInvalid) {
	Eval e = expand({"{{cert.OU}}"}, {{"OU", ""}});
	EXPECT_EQ(e.status, AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(e.n_roles, 1u);
	EXPECT_EQ(e.roles, (Names{""}));
	EXPECT_EQ(e.flags, (Flags{kFromTemplate}));
	EXPECT_EQ(e.needed, 2u);
}

TEST(Template, ValuesMayContainBracesLiterally) {
	Eval e = expand({"t_{{cert.OU}}"}, {{"OU", "{{cert.O}}"}, {"O", "acme"}});
	EXPECT_EQ(e.roles, (Names{"t_{{cert.O}}"}));
}

TEST(Template, TooManyCombinationsIsInvalidInputWithTheEntry) {
	std::vector<Attr> attrs;
	for (int i = 0; i < 40; ++i)
		attrs.push_back({"OU", "v" + std::to_string(i)});
	std::string entry = "{{cert.OU}}{{cert.OU}}"; // 1600 combinations, over the limit
	Eval e = expand({entry}, attrs);
	EXPECT_EQ(e.status, AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(e.roles, (Names{entry}));
	EXPECT_EQ(e.flags, (Flags{kFromTemplate}));
	attrs.resize(32); // 1024 combinations: allowed
	Eval ok = expand({entry}, attrs);
	EXPECT_EQ(ok.status, AUTOUSER_CORE_OK);
	EXPECT_EQ(ok.n_roles, 1024u);
}

} // namespace
