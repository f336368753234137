// api_boundary_test.cpp -- the C boundary: NULL arguments, C linkage, struct layout seen from C,
// the two-call buffer protocol.  decide()'s NULL handling is decision_test.cpp's.
#include "test_support.hpp"

extern "C" {
int autouser_test_c_linkage_check(void);
size_t autouser_test_c_sizeof_rule(void);
size_t autouser_test_c_sizeof_option(void);
size_t autouser_test_c_sizeof_login(void);
size_t autouser_test_c_sizeof_eval_result(void);
size_t autouser_test_c_sizeof_set_role(void);
size_t autouser_test_c_sizeof_ancestor(void);
size_t autouser_test_c_sizeof_decision_input(void);
size_t autouser_test_c_sizeof_decision(void);
}

namespace {

using namespace test_support;

TEST(ApiBoundary, CallableFromC) { EXPECT_EQ(autouser_test_c_linkage_check(), 0); }

TEST(ApiBoundary, StructLayoutMatchesC) {
	EXPECT_EQ(autouser_test_c_sizeof_rule(), sizeof(autouser_core_rule));
	EXPECT_EQ(autouser_test_c_sizeof_option(), sizeof(autouser_core_option));
	EXPECT_EQ(autouser_test_c_sizeof_login(), sizeof(autouser_core_login));
	EXPECT_EQ(autouser_test_c_sizeof_eval_result(), sizeof(autouser_core_eval_result));
	EXPECT_EQ(autouser_test_c_sizeof_set_role(), sizeof(autouser_core_set_role));
	EXPECT_EQ(autouser_test_c_sizeof_ancestor(), sizeof(autouser_core_ancestor));
	EXPECT_EQ(autouser_test_c_sizeof_decision_input(), sizeof(autouser_core_decision_input));
	EXPECT_EQ(autouser_test_c_sizeof_decision(), sizeof(autouser_core_decision));
}

TEST(ApiBoundary, EntryPointsAreNoexcept) {
	static_assert(noexcept(autouser_core_check_identity(nullptr, 0)));
	static_assert(noexcept(autouser_core_quote_identifier(nullptr, 0, nullptr, 0, nullptr)));
	static_assert(noexcept(autouser_core_glob_match(nullptr, 0, nullptr, 0)));
	static_assert(noexcept(autouser_core_check_pattern(nullptr, 0)));
	static_assert(noexcept(autouser_core_classify_role_entry(nullptr, 0)));
	static_assert(noexcept(autouser_core_rules_encode(nullptr, 0, nullptr, 0, nullptr)));
	static_assert(noexcept(autouser_core_rules_evaluate(nullptr, 0, nullptr, nullptr, 0, nullptr)));
	static_assert(noexcept(autouser_core_decide(nullptr, nullptr)));
	SUCCEED();
}

// Garbage in every field, so a test sees whether the call wrote all of them.
autouser_core_eval_result unset_result() { return {777, 777, 777, 777, 777}; }

void expect_zero(const autouser_core_eval_result &r) {
	EXPECT_EQ(r.needed, 0u);
	EXPECT_EQ(r.n_roles, 0u);
	EXPECT_EQ(r.matched_rule_id, 0);
	EXPECT_EQ(r.candidates, 0u);
	EXPECT_EQ(r.n_options, 0u);
}

TEST(ApiBoundary, EvaluateRejectsNullLogin) {
	std::vector<char> blob = encode({Rule{1, "*", "*", {"r"}}});
	char out[8];
	autouser_core_eval_result r = unset_result();
	EXPECT_EQ(autouser_core_rules_evaluate(blob.data(), blob.size(), nullptr, out, sizeof out, &r),
	          AUTOUSER_CORE_INVALID_INPUT);
	expect_zero(r);
}

TEST(ApiBoundary, EvaluateRejectsNullBlob) {
	autouser_core_login login{{"a", 1}, {"d", 1}, nullptr, 0};
	char out[8];
	autouser_core_eval_result r = unset_result();
	EXPECT_EQ(autouser_core_rules_evaluate(nullptr, 16, &login, out, sizeof out, &r),
	          AUTOUSER_CORE_INVALID_INPUT);
	expect_zero(r);
	r = unset_result();
	EXPECT_EQ(autouser_core_rules_evaluate(nullptr, 0, &login, out, sizeof out, &r),
	          AUTOUSER_CORE_INVALID_INPUT);
	expect_zero(r);
}

TEST(ApiBoundary, EvaluateRejectsNullOutWithCapacity) {
	std::vector<char> blob = encode({Rule{1, "*", "*", {"r"}}});
	autouser_core_login login{{"a", 1}, {"d", 1}, nullptr, 0};
	autouser_core_eval_result r = unset_result();
	EXPECT_EQ(autouser_core_rules_evaluate(blob.data(), blob.size(), &login, nullptr, 8, &r),
	          AUTOUSER_CORE_INVALID_INPUT);
	expect_zero(r);
}

// Without the result the caller could not tell how many entries out holds.
TEST(ApiBoundary, EvaluateRejectsNullResult) {
	std::vector<char> blob = encode({Rule{1, "*", "*", {"r"}}});
	autouser_core_login login{{"a", 1}, {"d", 1}, nullptr, 0};
	char out[8] = "#######";
	EXPECT_EQ(
	    autouser_core_rules_evaluate(blob.data(), blob.size(), &login, out, sizeof out, nullptr),
	    AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_STREQ(out, "#######");
}

TEST(ApiBoundary, EvaluateRejectsMalformedLogin) {
	std::vector<char> blob = encode({Rule{1, "*", "*", {"r"}}});
	char out[8];
	autouser_core_attr attr{{"OU", 2}, {nullptr, 4}};
	const autouser_core_login bad_logins[] = {
	    {{"a", 1}, {"d", 1}, nullptr, 2},     // attrs NULL with a count
	    {{nullptr, 3}, {"d", 1}, nullptr, 0}, // CN NULL with a length
	    {{"a", 1}, {nullptr, 1}, nullptr, 0}, // database NULL with a length
	    {{"a", 1}, {"d", 1}, &attr, 1},       // attribute value NULL with a length
	};
	for (const autouser_core_login &login : bad_logins) {
		autouser_core_eval_result r = unset_result();
		EXPECT_EQ(
		    autouser_core_rules_evaluate(blob.data(), blob.size(), &login, out, sizeof out, &r),
		    AUTOUSER_CORE_INVALID_INPUT);
		expect_zero(r);
	}
}

TEST(ApiBoundary, NullStringsWithZeroLengthAreEmpty) {
	std::vector<char> blob = encode({Rule{1, "*", "*", {"r"}}});
	autouser_core_attr attr{{nullptr, 0}, {nullptr, 0}};
	autouser_core_login login{{nullptr, 0}, {nullptr, 0}, &attr, 1};
	char out[8];
	autouser_core_eval_result r = unset_result();
	EXPECT_EQ(autouser_core_rules_evaluate(blob.data(), blob.size(), &login, out, sizeof out, &r),
	          AUTOUSER_CORE_OK);
	EXPECT_EQ(r.n_roles, 1u);
	EXPECT_EQ(r.candidates, 1u);
}

TEST(ApiBoundary, EvaluateRejectsGarbageBlobs) {
	autouser_core_login login{{"a", 1}, {"d", 1}, nullptr, 0};
	char out[8];
	std::string garbage(64, '\xff');
	for (std::string blob : {std::string("PGAU"), garbage, std::string(16, '\0')}) {
		autouser_core_eval_result r = unset_result();
		EXPECT_EQ(
		    autouser_core_rules_evaluate(blob.data(), blob.size(), &login, out, sizeof out, &r),
		    AUTOUSER_CORE_INVALID_INPUT);
		expect_zero(r);
	}
}

// The glue sizes out with one call and fills it with a second; the flag bytes travel with it.
TEST(ApiBoundary, BufferTooSmallRoundTripKeepsFlagBytes) {
	std::vector<char> blob =
	    encode({Rule{1, "*", "*", {"zeta", "t_{{cert.OU}}"}}, Rule{2, "*", "*", {"t_ops"}}});
	std::vector<autouser_core_attr> attrs{{{"OU", 2}, {"ops", 3}}, {{"OU", 2}, {"dev", 3}}};
	autouser_core_login login = make_login("alice", "app", attrs);
	autouser_core_eval_result probe = unset_result();
	ASSERT_EQ(autouser_core_rules_evaluate(blob.data(), blob.size(), &login, nullptr, 0, &probe),
	          AUTOUSER_CORE_BUFFER_TOO_SMALL);
	ASSERT_EQ(probe.needed, 20u); // \1 t_dev \0, \0 t_ops \0, \0 zeta \0
	EXPECT_EQ(probe.n_roles, 3u);
	EXPECT_EQ(probe.matched_rule_id, 1);
	EXPECT_EQ(probe.candidates, 2u);

	std::vector<char> out(probe.needed);
	autouser_core_eval_result r = unset_result();
	ASSERT_EQ(
	    autouser_core_rules_evaluate(blob.data(), blob.size(), &login, out.data(), out.size(), &r),
	    AUTOUSER_CORE_OK);
	EXPECT_EQ(r.needed, probe.needed);
	EXPECT_EQ(r.n_roles, probe.n_roles);
	EXPECT_EQ(std::string(out.data(), out.size()), std::string("\x01t_dev\0"
	                                                           "\x00t_ops\0"
	                                                           "\x00zeta\0",
	                                                           20));
}

TEST(ApiBoundary, EncodeRejectsNullOutWithCapacity) {
	autouser_core_str role{"r", 1};
	autouser_core_rule rule{1, {"a", 1}, {"b", 1}, {nullptr, 0}, &role, 1, nullptr, 0};
	size_t needed = 99;
	EXPECT_EQ(autouser_core_rules_encode(&rule, 1, nullptr, 100, &needed),
	          AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(autouser_core_rules_encode(&rule, 1, nullptr, 0, nullptr),
	          AUTOUSER_CORE_BUFFER_TOO_SMALL);
}

TEST(ApiBoundary, EncodedBlobIsStableLittleEndian) {
	autouser_core_str role{"r", 1};
	autouser_core_option option{AUTOUSER_CORE_OPTION_SETTING,
	                            {"w", 1},
	                            {"4", 1},
	                            AUTOUSER_CORE_MERGE_LOWEST_RANK,
	                            0x1112131415161718};
	autouser_core_rule rule{0x0102030405060708, {"a", 1}, {"b", 1}, {"o", 1}, &role, 1, &option, 1};
	char out[96];
	size_t needed = 0;
	ASSERT_EQ(autouser_core_rules_encode(&rule, 1, out, sizeof out, &needed), AUTOUSER_CORE_OK);
	const std::string expected("PGAU"
	                           "\x02\x00\x00\x00"                 // version
	                           "\x01\x00\x00\x00"                 // n_rules
	                           "\x3d\x00\x00\x00"                 // body_len = 61
	                           "\x39\x00\x00\x00"                 // record_len = 57
	                           "\x08\x07\x06\x05\x04\x03\x02\x01" // id
	                           "\x01\x00\x00\x00"
	                           "a"
	                           "\x01\x00\x00\x00"
	                           "b"
	                           "\x01"
	                           "\x01\x00\x00\x00"
	                           "o"
	                           "\x01\x00\x00\x00" // n_roles
	                           "\x01\x00\x00\x00"
	                           "r"
	                           "\x01\x00\x00\x00" // n_options
	                           "\x01"             // kind: setting
	                           "\x01\x00\x00\x00"
	                           "w"
	                           "\x01\x00\x00\x00"
	                           "4"
	                           "\x01"                              // merge: lowest rank
	                           "\x18\x17\x16\x15\x14\x13\x12\x11", // rank
	                           77);
	EXPECT_EQ(std::string(out, needed), expected);
}

} // namespace
