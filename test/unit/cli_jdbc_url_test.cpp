// cli_jdbc_url_test.cpp -- the JDBC URL `service --jdbc` prints (conninfo: build_jdbc_url): what
// pgjdbc's Driver.parseURL splits on ('?', '&', the first '=', '/' in the server part) and decodes
// (URLDecoder: '+' is a space, %XX a UTF-8 byte) must come back as exactly the values given.
#include "conninfo.hpp"
#include "errors.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using namespace pg_autouser::cli;

ClientParams alice() {
	ClientParams p;
	p.host = "db.example.com";
	p.port = "5432";
	p.dbname = "app";
	p.user = "alice";
	p.sslcert = "/home/alice/certs/alice.crt";
	p.sslkey = "/home/alice/certs/alice.pk8";
	p.sslrootcert = "/home/alice/certs/ca.crt";
	return p;
}

// What URLDecoder.decode gives back, for checking round trips.
std::string url_decode(const std::string &text) {
	std::string out;
	for (std::size_t i = 0; i < text.size(); ++i) {
		if (text[i] == '+') {
			out += ' ';
		} else if (text[i] == '%' && i + 2 < text.size()) {
			out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
			i += 2;
		} else {
			out += text[i];
		}
	}
	return out;
}

TEST(CliJdbcUrl, PlainValuesAreReadable) {
	EXPECT_EQ(build_jdbc_url(alice()),
	          "jdbc:postgresql://db.example.com:5432/app?user=alice&sslmode=verify-full"
	          "&sslcert=/home/alice/certs/alice.crt&sslkey=/home/alice/certs/alice.pk8"
	          "&sslrootcert=/home/alice/certs/ca.crt");
}

TEST(CliJdbcUrl, RootCertIsOptional) {
	ClientParams p = alice();
	p.sslrootcert.reset();
	std::string url = build_jdbc_url(p);
	EXPECT_EQ(url.find("sslrootcert"), std::string::npos);
	EXPECT_EQ(url.substr(url.size() - 9), "alice.pk8");
}

TEST(CliJdbcUrl, SeparatorsAndPlusAndPercentAreEncoded) {
	ClientParams p = alice();
	p.user = "j a&b=c+d%?#/";
	p.dbname = "my db/x?y";
	p.sslcert = "/certs dir/a&b=c+d%.crt";
	std::string url = build_jdbc_url(p);
	EXPECT_NE(url.find("user=j%20a%26b%3Dc%2Bd%25%3F%23%2F&"), std::string::npos) << url;
	EXPECT_NE(url.find(":5432/my%20db%2Fx%3Fy?"), std::string::npos) << url;
	EXPECT_NE(url.find("&sslcert=/certs%20dir/a%26b%3Dc%2Bd%25.crt&"), std::string::npos) << url;
	// One '?', and '/' in the server part only after host:port (pgjdbc refuses more).
	EXPECT_EQ(url.find('?'), url.rfind('?'));
	std::string server =
	    url.substr(0, url.find('?')).substr(std::string("jdbc:postgresql://").size());
	EXPECT_EQ(server.find('/'), server.rfind('/'));
	EXPECT_EQ(url_decode("j%20a%26b%3Dc%2Bd%25%3F%23%2F"), p.user);
}

TEST(CliJdbcUrl, Utf8IsEncodedBytewise) {
	ClientParams p = alice();
	p.user = "Zo\xc3\xab";
	std::string url = build_jdbc_url(p);
	EXPECT_NE(url.find("user=Zo%C3%AB&"), std::string::npos) << url;
}

TEST(CliJdbcUrl, Ipv6HostsAreBracketed) {
	ClientParams p = alice();
	p.host = "::1";
	EXPECT_EQ(build_jdbc_url(p).substr(0, 31), "jdbc:postgresql://[::1]:5432/ap");
	p.host = "127.0.0.1";
	EXPECT_EQ(build_jdbc_url(p).substr(0, 33), "jdbc:postgresql://127.0.0.1:5432/");
}

TEST(CliJdbcUrl, RefusesHostsAUrlCannotHold) {
	for (const char *bad : {"a b", "host/x", "h?x", "h@x", "h,x", "[::1]"}) {
		ClientParams p = alice();
		p.host = bad;
		EXPECT_THROW(build_jdbc_url(p), Failure) << bad;
	}
}

TEST(CliJdbcUrl, PercentEncodeKeepsOnlyUnreservedAndWhatIsAsked) {
	EXPECT_EQ(percent_encode("aZ09-._~"), "aZ09-._~");
	EXPECT_EQ(percent_encode("a/b c"), "a%2Fb%20c");
	EXPECT_EQ(percent_encode("a/b c", "/"), "a/b%20c");
	EXPECT_EQ(percent_encode(std::string("\0x", 2)), "%00x");
	EXPECT_EQ(percent_encode(""), "");
}

} // namespace
