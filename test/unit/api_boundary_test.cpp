// api_boundary_test.cpp -- the C boundary: NULL arguments, C linkage, struct layout seen from C.
#include "test_support.hpp"

extern "C" {
int autouser_test_c_linkage_check(void);
size_t autouser_test_c_sizeof_rule(void);
size_t autouser_test_c_sizeof_login(void);
size_t autouser_test_c_sizeof_facts(void);
size_t autouser_test_c_sizeof_forbidden_config(void);
}

namespace {

using namespace test_support;

TEST(ApiBoundary, CallableFromC) { EXPECT_EQ(autouser_test_c_linkage_check(), 0); }

TEST(ApiBoundary, StructLayoutMatchesC) {
	EXPECT_EQ(autouser_test_c_sizeof_rule(), sizeof(autouser_core_rule));
	EXPECT_EQ(autouser_test_c_sizeof_login(), sizeof(autouser_core_login));
	EXPECT_EQ(autouser_test_c_sizeof_facts(), sizeof(autouser_core_login_facts));
	EXPECT_EQ(autouser_test_c_sizeof_forbidden_config(), sizeof(autouser_core_forbidden_config));
}

TEST(ApiBoundary, EntryPointsAreNoexcept) {
	static_assert(noexcept(autouser_core_check_identity(nullptr, 0)));
	static_assert(noexcept(
	    autouser_core_rules_evaluate(nullptr, 0, nullptr, nullptr, 0, nullptr, nullptr, nullptr)));
	static_assert(noexcept(autouser_core_decide(nullptr)));
	SUCCEED();
}

TEST(ApiBoundary, EvaluateRejectsNullArguments) {
	std::vector<char> blob = encode({Rule{1, "*", "*", {"r"}}});
	autouser_core_login login{{"a", 1}, {"d", 1}, nullptr, 0};
	char out[8];
	size_t needed = 99, n = 99;
	EXPECT_EQ(autouser_core_rules_evaluate(blob.data(), blob.size(), nullptr, out, sizeof out,
	                                       &needed, &n, nullptr),
	          AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(needed, 0u);
	EXPECT_EQ(n, 0u);
	EXPECT_EQ(autouser_core_rules_evaluate(nullptr, blob.size(), &login, out, sizeof out, &needed,
	                                       &n, nullptr),
	          AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(
	    autouser_core_rules_evaluate(nullptr, 0, &login, out, sizeof out, &needed, &n, nullptr),
	    AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(autouser_core_rules_evaluate(blob.data(), blob.size(), &login, nullptr, 8, &needed,
	                                       &n, nullptr),
	          AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(autouser_core_rules_evaluate(blob.data(), blob.size(), &login, out, sizeof out,
	                                       nullptr, nullptr, nullptr),
	          AUTOUSER_CORE_OK);
}

TEST(ApiBoundary, EvaluateRejectsMalformedLogin) {
	std::vector<char> blob = encode({Rule{1, "*", "*", {"r"}}});
	char out[8];
	size_t needed = 0, n = 0;
	autouser_core_login no_attrs{{"a", 1}, {"d", 1}, nullptr, 2};
	EXPECT_EQ(autouser_core_rules_evaluate(blob.data(), blob.size(), &no_attrs, out, sizeof out,
	                                       &needed, &n, nullptr),
	          AUTOUSER_CORE_INVALID_INPUT);
	autouser_core_login bad_cn{{nullptr, 3}, {"d", 1}, nullptr, 0};
	EXPECT_EQ(autouser_core_rules_evaluate(blob.data(), blob.size(), &bad_cn, out, sizeof out,
	                                       &needed, &n, nullptr),
	          AUTOUSER_CORE_INVALID_INPUT);
	autouser_core_attr attr{{"OU", 2}, {nullptr, 4}};
	autouser_core_login bad_attr{{"a", 1}, {"d", 1}, &attr, 1};
	EXPECT_EQ(autouser_core_rules_evaluate(blob.data(), blob.size(), &bad_attr, out, sizeof out,
	                                       &needed, &n, nullptr),
	          AUTOUSER_CORE_INVALID_INPUT);
}

TEST(ApiBoundary, NullStringsWithZeroLengthAreEmpty) {
	std::vector<char> blob = encode({Rule{1, "*", "*", {"r"}}});
	autouser_core_attr attr{{nullptr, 0}, {nullptr, 0}};
	autouser_core_login login{{nullptr, 0}, {nullptr, 0}, &attr, 1};
	char out[8];
	size_t needed = 0, n = 0;
	EXPECT_EQ(autouser_core_rules_evaluate(blob.data(), blob.size(), &login, out, sizeof out,
	                                       &needed, &n, nullptr),
	          AUTOUSER_CORE_OK);
	EXPECT_EQ(n, 1u);
}

TEST(ApiBoundary, CountRejectsNullAndGarbage) {
	EXPECT_EQ(autouser_core_rules_count(nullptr, 0), -1);
	EXPECT_EQ(autouser_core_rules_count(nullptr, 16), -1);
	EXPECT_EQ(autouser_core_rules_count("PGAU", 4), -1);
	std::string garbage(64, '\xff');
	EXPECT_EQ(autouser_core_rules_count(garbage.data(), garbage.size()), -1);
}

TEST(ApiBoundary, EncodeRejectsNullOutWithCapacity) {
	autouser_core_str role{"r", 1};
	autouser_core_rule rule{1, {"a", 1}, {"b", 1}, {nullptr, 0}, &role, 1};
	size_t needed = 99;
	EXPECT_EQ(autouser_core_rules_encode(&rule, 1, nullptr, 100, &needed),
	          AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(autouser_core_rules_encode(&rule, 1, nullptr, 0, nullptr),
	          AUTOUSER_CORE_BUFFER_TOO_SMALL);
}

TEST(ApiBoundary, EncodedBlobIsStableLittleEndian) {
	autouser_core_str role{"r", 1};
	autouser_core_rule rule{0x0102030405060708, {"a", 1}, {"b", 1}, {"o", 1}, &role, 1};
	char out[64];
	size_t needed = 0;
	ASSERT_EQ(autouser_core_rules_encode(&rule, 1, out, sizeof out, &needed), AUTOUSER_CORE_OK);
	const std::string expected("PGAU"
	                           "\x01\x00\x00\x00"                 // version
	                           "\x01\x00\x00\x00"                 // n_rules
	                           "\x25\x00\x00\x00"                 // body_len = 37
	                           "\x21\x00\x00\x00"                 // record_len = 33
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
	                           "r",
	                           53);
	EXPECT_EQ(std::string(out, needed), expected);
}

} // namespace
