// cli_cert_options_test.cpp -- option logic of the certificate commands (cert_options): validity
// in days or minutes, the PKCS#8 file next to a key, a password file's password.
#include "args.hpp"
#include "cert_options.hpp"
#include "errors.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using namespace pg_autouser::cli;

ParsedArgs issue_args(const std::vector<std::string> &args) {
	return parse_args("cert issue", args, {{"days"}, {"minutes"}});
}

TEST(CliCertOptions, ValidityDefaultsToDays) {
	Validity v = validity_from(issue_args({}), 365);
	EXPECT_EQ(v.days, 365);
	EXPECT_EQ(v.minutes, 0);
	EXPECT_EQ(v.describe(), "365 days");
	EXPECT_EQ(validity_from(issue_args({"--days", "1"}), 365).describe(), "1 day");
}

TEST(CliCertOptions, MinutesReplaceDays) {
	Validity v = validity_from(issue_args({"--minutes", "2"}), 365);
	EXPECT_EQ(v.days, 0);
	EXPECT_EQ(v.minutes, 2);
	EXPECT_EQ(v.describe(), "2 minutes");
	EXPECT_EQ(validity_from(issue_args({"--minutes=1"}), 365).describe(), "1 minute");
	EXPECT_EQ(validity_from(issue_args({"--minutes", "5256000"}), 365).minutes, 5256000);
}

TEST(CliCertOptions, DaysAndMinutesAreMutuallyExclusive) {
	try {
		validity_from(issue_args({"--days", "1", "--minutes", "5"}), 365);
		ADD_FAILURE() << "accepted both";
	} catch (const UsageError &e) {
		EXPECT_EQ(e.command(), "cert issue");
		EXPECT_STREQ(e.what(), "options --days and --minutes cannot be used together");
	}
}

TEST(CliCertOptions, ValidityRangesAreChecked) {
	for (const char *bad : {"0", "-1", "5256001", "ten", ""})
		EXPECT_THROW(validity_from(issue_args({"--minutes", bad}), 365), UsageError) << bad;
	for (const char *bad : {"0", "3651"})
		EXPECT_THROW(validity_from(issue_args({"--days", bad}), 365), UsageError) << bad;
}

TEST(CliCertOptions, Pk8PathSitsNextToTheKey) {
	EXPECT_EQ(pk8_path_for("/c/alice.key"), "/c/alice.pk8");
	EXPECT_EQ(pk8_path_for("/c/alice.pk8"), "/c/alice.pk8");
	EXPECT_EQ(pk8_path_for("/c/alice.pem"), "/c/alice.pem.pk8");
	EXPECT_EQ(pk8_path_for("/c/.key"), "/c/.pk8");
	EXPECT_EQ(pk8_path_for("key"), "key.pk8");
}

TEST(CliCertOptions, PasswordIsTheFirstLine) {
	EXPECT_EQ(password_from_file_text("s3cret\n", "f"), "s3cret");
	EXPECT_EQ(password_from_file_text("s3cret", "f"), "s3cret");
	EXPECT_EQ(password_from_file_text("with space \r\nsecond\n", "f"), "with space ");
	EXPECT_THROW(password_from_file_text("", "f"), Failure);
	EXPECT_THROW(password_from_file_text("\nsecond\n", "f"), Failure);
}

} // namespace
