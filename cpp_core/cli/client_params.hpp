// client_params.hpp -- the options `connect` and `service` share (--cert, --key, --ca, --host,
// --port, -d), turned into ClientParams: absolute file paths and user = the certificate's CN.
#pragma once

#include "args.hpp"
#include "conninfo.hpp"

#include <vector>

namespace pg_autouser::cli {

extern const char *const kClientOptionsHelp;

std::vector<OptionSpec> client_option_specs();

// UsageError for a missing option or a bad port; Failure for an unreadable certificate or a CN
// that cannot be a role name.
ClientParams client_params_from(const ParsedArgs &opts);

} // namespace pg_autouser::cli
