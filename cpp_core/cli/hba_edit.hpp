// hba_edit.hpp -- pure functions over pg_hba.conf text: find certificate-login records and insert
// missing ones before the first TCP record (pg_hba.conf is first-match).  No file I/O.
#pragma once

#include <string>
#include <vector>

namespace pg_autouser::cli {

// The fields of one record (comments and quotes stripped); empty for blank/comment lines.
std::vector<std::string> hba_fields(const std::string &line);

// True when text holds a record with exactly these fields.
bool hba_has_record(const std::string &text, const std::vector<std::string> &fields);

// True when text holds a hostssl record that binds the certificate CN to the user: method "cert",
// or any method with clientcert=verify-full.
bool hba_has_cert_record(const std::string &text);

// text with lines inserted (under a comment naming pg_autouser) before the first host, hostssl,
// hostnossl, hostgssenc or hostnogssenc record, or at the end when there is none.
std::string hba_insert_records(const std::string &text, const std::vector<std::string> &lines);

} // namespace pg_autouser::cli
