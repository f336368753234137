// cli_conf_edit_test.cpp -- the CLI's pure text functions: postgresql.conf reading and the managed
// block (conf_edit), pg_hba.conf records (hba_edit), conninfo / pg_service.conf quoting and CN
// file names (conninfo).
#include "conf_edit.hpp"
#include "conninfo.hpp"
#include "hba_edit.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace pg_autouser::cli;

TEST(CliConf, ParsesAssignmentsAndSkipsComments) {
	auto s = parse_conf_line("  Shared_Preload_Libraries = 'a,b'   # comment");
	ASSERT_TRUE(s.has_value());
	EXPECT_EQ(s->name, "shared_preload_libraries");
	EXPECT_EQ(s->value, "a,b");
	EXPECT_EQ(parse_conf_line("ssl on")->value, "on");
	EXPECT_EQ(parse_conf_line("port=5433#x")->value, "5433");
	EXPECT_FALSE(parse_conf_line("#ssl = on").has_value());
	EXPECT_FALSE(parse_conf_line("   ").has_value());
	EXPECT_FALSE(parse_conf_line("include 'other.conf'").has_value());
}

TEST(CliConf, UnquotesDoubledQuotesAndBackslashes) {
	EXPECT_EQ(parse_conf_line("x = 'it''s'")->value, "it's");
	EXPECT_EQ(parse_conf_line("x = 'a\\'b'")->value, "a'b");
	EXPECT_FALSE(parse_conf_line("x = 'unterminated").has_value());
}

TEST(CliConf, LastAssignmentWins) {
	std::string text = "ssl = off\n#ssl = on\nSSL = on\n";
	EXPECT_EQ(conf_value(text, "ssl"), "on");
	EXPECT_FALSE(conf_value(text, "port").has_value());
}

TEST(CliConf, QuoteRoundTrips) {
	for (std::string v : {"plain", "it's", "back\\slash", ""}) {
		auto parsed = parse_conf_line("x = " + quote_conf_value(v));
		ASSERT_TRUE(parsed.has_value()) << v;
		EXPECT_EQ(parsed->value, v);
	}
}

TEST(CliConf, BooleanSpellings) {
	for (const char *v : {"on", "ON", "true", "t", "yes", "y", "1"})
		EXPECT_TRUE(conf_bool_is_on(v)) << v;
	for (const char *v : {"off", "false", "0", "", "o", "no"})
		EXPECT_FALSE(conf_bool_is_on(v)) << v;
}

TEST(CliConf, AddsLibraryKeepingTheRest) {
	EXPECT_EQ(add_library("", "pg_autouser"), "pg_autouser");
	EXPECT_EQ(add_library("pg_stat_statements", "pg_autouser"), "pg_stat_statements,pg_autouser");
	EXPECT_EQ(add_library("a, pg_autouser", "pg_autouser"), "a, pg_autouser");
	EXPECT_EQ(add_library("\"pg_autouser\"", "pg_autouser"), "\"pg_autouser\"");
	EXPECT_EQ(split_library_list(" a , \"b c\" ,,"), (std::vector<std::string>{"a", "b c"}));
}

TEST(CliConf, ManagedBlockIsReplacedAndMovedToTheEnd) {
	std::string text = "port = 5432\n";
	std::string once = write_managed_block(text, {{"ssl", "on"}});
	EXPECT_EQ(once, std::string("port = 5432\n") + kConfBlockBegin + "\nssl = 'on'\n" +
	                    kConfBlockEnd + "\n");
	std::string twice = write_managed_block(once + "max_connections = 10\n",
	                                        {{"ssl", "on"}, {"ssl_ca_file", "ca.crt"}});
	EXPECT_EQ(twice, std::string("port = 5432\nmax_connections = 10\n") + kConfBlockBegin +
	                     "\nssl = 'on'\nssl_ca_file = 'ca.crt'\n" + kConfBlockEnd + "\n");
	auto settings = managed_block_settings(twice);
	ASSERT_EQ(settings.size(), 2u);
	EXPECT_EQ(settings[1].name, "ssl_ca_file");
	EXPECT_EQ(settings[1].value, "ca.crt");
	EXPECT_EQ(remove_managed_block(twice), "port = 5432\nmax_connections = 10\n");
}

TEST(CliHba, SplitsFieldsAndFindsRecords) {
	EXPECT_EQ(hba_fields("hostssl  all\t\"all\" 0.0.0.0/0 cert # x"),
	          (std::vector<std::string>{"hostssl", "all", "all", "0.0.0.0/0", "cert"}));
	EXPECT_TRUE(hba_fields("# hostssl all all 0.0.0.0/0 cert").empty());
	std::string text = "local all all trust\nhostssl all all 0.0.0.0/0 cert\n";
	EXPECT_TRUE(hba_has_record(text, hba_fields("hostssl all all 0.0.0.0/0   cert")));
	EXPECT_FALSE(hba_has_record(text, hba_fields("hostssl all all ::/0 cert")));
}

TEST(CliHba, RecognisesCertLogins) {
	EXPECT_TRUE(hba_has_cert_record("hostssl all all 10.0.0.0/8 cert\n"));
	EXPECT_TRUE(hba_has_cert_record("hostssl all all 10.0.0.0 255.0.0.0 cert\n"));
	EXPECT_TRUE(hba_has_cert_record("hostssl db all ::/0 scram-sha-256 clientcert=verify-full\n"));
	EXPECT_FALSE(hba_has_cert_record("host all all 0.0.0.0/0 cert\n"));
	EXPECT_FALSE(hba_has_cert_record("hostssl all all 0.0.0.0/0 scram-sha-256\n"));
	EXPECT_FALSE(hba_has_cert_record("# hostssl all all 0.0.0.0/0 cert\n"));
}

TEST(CliHba, InsertsBeforeTheFirstTcpRecordKeepingLocal) {
	std::string text = "# comment\nlocal all all trust\nhost all all 127.0.0.1/32 trust\n";
	std::string out = hba_insert_records(text, {"hostssl all all 0.0.0.0/0 cert"});
	auto local = out.find("local all all trust");
	auto added = out.find("hostssl all all 0.0.0.0/0 cert");
	auto host = out.find("host all all 127.0.0.1/32 trust");
	EXPECT_LT(local, added);
	EXPECT_LT(added, host);
	std::string none = hba_insert_records("local all all peer", {"hostssl all all ::/0 cert"});
	EXPECT_EQ(none.substr(0, 19), "local all all peer\n");
	EXPECT_NE(none.find("hostssl all all ::/0 cert\n"), std::string::npos);
}

TEST(CliConninfo, QuotesOnlyWhenNeeded) {
	EXPECT_EQ(quote_conninfo_value("alice"), "alice");
	EXPECT_EQ(quote_conninfo_value("/tmp/a-b/c.crt"), "/tmp/a-b/c.crt");
	EXPECT_EQ(quote_conninfo_value(""), "''");
	EXPECT_EQ(quote_conninfo_value("a b"), "'a b'");
	EXPECT_EQ(quote_conninfo_value("o'brien\\x"), "'o\\'brien\\\\x'");
}

TEST(CliConninfo, BuildsVerifyFullConninfo) {
	ClientParams p{"localhost", "5432",  "postgres", "o'b", std::string("/ca.crt"),
	               "/c.crt",    "/c.key"};
	EXPECT_EQ(build_conninfo(p), "host=localhost port=5432 dbname=postgres user='o\\'b' "
	                             "sslmode=verify-full sslrootcert=/ca.crt sslcert=/c.crt "
	                             "sslkey=/c.key");
	p.sslrootcert.reset();
	EXPECT_EQ(build_conninfo(p).find("sslrootcert"), std::string::npos);
}

TEST(CliConninfo, ServiceSectionIsVerbatimAndRefusesWhatItCannotHold) {
	ClientParams p{"db", "5433", "app", "o'brien x", std::nullopt, "/c.crt", "/c.key"};
	EXPECT_EQ(build_service_section("app", p),
	          "[app]\nhost=db\nport=5433\ndbname=app\nuser=o'brien x\nsslmode=verify-full\n"
	          "sslcert=/c.crt\nsslkey=/c.key\n");
	p.user = "trailing ";
	EXPECT_THROW(build_service_section("app", p), std::runtime_error);
	p.user = "ok";
	EXPECT_THROW(build_service_section("a]b", p), std::runtime_error);
}

TEST(CliConninfo, SafeFileStemIsEscapedAndInjective) {
	EXPECT_EQ(safe_file_stem("alice.smith-1_x"), "alice.smith-1_x");
	EXPECT_EQ(safe_file_stem("../x"), "%2E.%2Fx");
	EXPECT_EQ(safe_file_stem("a b"), "a%20b");
	EXPECT_EQ(safe_file_stem("a%20b"), "a%2520b");
	EXPECT_EQ(safe_file_stem("\xc3\xa9"), "%C3%A9");
}

} // namespace
