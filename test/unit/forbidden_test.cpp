// forbidden_test.cpp -- autouser_core_forbidden_name.
#include "test_support.hpp"

#include <string>

namespace {

using test_support::str;

struct Config {
	std::string group = "autouser_managed";
	std::string admin = "autouser_admin";
	std::vector<std::string> extra;
	std::vector<autouser_core_str> extra_strs;
	autouser_core_forbidden_config c{};

	const autouser_core_forbidden_config *get() {
		extra_strs.clear();
		for (const std::string &e : extra)
			extra_strs.push_back(str(e));
		c = {str(group), str(admin), extra_strs.data(), extra_strs.size()};
		return &c;
	}
};

int forbidden(Config &config, const std::string &role) {
	return autouser_core_forbidden_name(config.get(), role.data(), role.size());
}

TEST(Forbidden, BuiltinDangerousRolesAreForbidden) {
	Config config;
	EXPECT_EQ(forbidden(config, "pg_execute_server_program"), 1);
	EXPECT_EQ(forbidden(config, "pg_read_server_files"), 1);
	EXPECT_EQ(forbidden(config, "pg_write_server_files"), 1);
}

TEST(Forbidden, OtherPredefinedRolesAreNotForbiddenByName) {
	Config config;
	EXPECT_EQ(forbidden(config, "pg_monitor"), 0);
	EXPECT_EQ(forbidden(config, "pg_read_all_data"), 0);
}

TEST(Forbidden, GroupAndAdminRolesAreForbidden) {
	Config config;
	EXPECT_EQ(forbidden(config, "autouser_managed"), 1);
	EXPECT_EQ(forbidden(config, "autouser_admin"), 1);
}

TEST(Forbidden, OrdinaryRoleIsAllowed) {
	Config config;
	EXPECT_EQ(forbidden(config, "readers"), 0);
}

TEST(Forbidden, ComparisonIsBytewise) {
	Config config;
	EXPECT_EQ(forbidden(config, "PG_READ_SERVER_FILES"), 0);
	EXPECT_EQ(forbidden(config, "pg_read_server_file"), 0);
	EXPECT_EQ(forbidden(config, "pg_read_server_files "), 0);
	EXPECT_EQ(forbidden(config, "Autouser_managed"), 0);
	EXPECT_EQ(forbidden(config, "autouser_manage"), 0);
}

TEST(Forbidden, EmptyAdminRoleMeansNone) {
	Config config;
	config.admin = "";
	EXPECT_EQ(forbidden(config, "autouser_admin"), 0);
	EXPECT_EQ(forbidden(config, "readers"), 0);
	autouser_core_forbidden_config c{str(config.group), {nullptr, 0}, nullptr, 0};
	EXPECT_EQ(autouser_core_forbidden_name(&c, "readers", 7), 0);
}

TEST(Forbidden, ExtraRolesAreForbidden) {
	Config config;
	config.extra = {"dba", "replicator"};
	EXPECT_EQ(forbidden(config, "dba"), 1);
	EXPECT_EQ(forbidden(config, "replicator"), 1);
	EXPECT_EQ(forbidden(config, "dbadmin"), 0);
}

TEST(Forbidden, EmptyExtraArrayIsFine) {
	Config config;
	EXPECT_EQ(forbidden(config, "readers"), 0);
	autouser_core_forbidden_config c{str(config.group), str(config.admin), nullptr, 0};
	EXPECT_EQ(autouser_core_forbidden_name(&c, "readers", 7), 0);
}

TEST(Forbidden, MalformedInputFailsClosed) {
	Config config;
	EXPECT_EQ(autouser_core_forbidden_name(nullptr, "readers", 7), 1);
	EXPECT_EQ(autouser_core_forbidden_name(config.get(), nullptr, 7), 1);
	autouser_core_forbidden_config c{str(config.group), str(config.admin), nullptr, 2};
	EXPECT_EQ(autouser_core_forbidden_name(&c, "readers", 7), 1);
}

TEST(Forbidden, HonoursLength) {
	Config config;
	EXPECT_EQ(autouser_core_forbidden_name(config.get(), "pg_read_server_filesXYZ", 20), 1);
}

} // namespace
