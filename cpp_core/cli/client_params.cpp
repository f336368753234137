// client_params.cpp -- reads the client certificate for its CN and resolves the paths a libpq
// connection will need; checks that the files exist but never reads the private key.
#include "client_params.hpp"

#include "cn_check.hpp"
#include "errors.hpp"
#include "file_util.hpp"
#include "openssl_util.hpp"

#include <cstdlib>

namespace pg_autouser::cli {

const char *const kClientOptionsHelp =
    R"(  --cert FILE     the client certificate (its CN is the user name)
  --key FILE      its private key
  --ca FILE       CA certificate that signed the server's (sslrootcert; default:
                  libpq's ~/.postgresql/root.crt)
  --host H        server host name or address (default localhost); it must match the
                  server certificate
  --port P        server port (default $PGPORT or 5432)
  -d, --dbname DB database (default postgres)
)";

namespace {

std::string existing_file(const ParsedArgs &opts, const std::string &option) {
	std::string path = absolute_path(opts.require(option));
	if (!path_exists(path))
		throw Failure("--" + option + " file \"" + path + "\" does not exist");
	return path;
}

} // namespace

std::vector<OptionSpec> client_option_specs() {
	return {{"cert"}, {"key"}, {"ca"}, {"host"}, {"port"}, {"dbname", 'd'}};
}

ClientParams client_params_from(const ParsedArgs &opts) {
	ClientParams params;
	opts.require("cert");
	opts.require("key");
	const char *env_port = std::getenv("PGPORT");
	int port = opts.get_int("port", 0, 1, 65535);
	params.port = port ? std::to_string(port) : (env_port && *env_port ? env_port : "5432");
	params.host = opts.get_or("host", "localhost");
	if (params.host.empty())
		throw UsageError(opts.command, "option --host may not be empty");
	params.dbname = opts.get_or("dbname", "postgres");
	if (params.dbname.empty())
		throw UsageError(opts.command, "option --dbname may not be empty");

	params.sslcert = existing_file(opts, "cert");
	params.sslkey = existing_file(opts, "key");
	if (opts.has("ca"))
		params.sslrootcert = existing_file(opts, "ca");
	X509Ptr cert = cert_from_pem(read_file(params.sslcert), params.sslcert);
	params.user = cert_common_name(cert.get());
	if (auto problem = cn_problem(params.user))
		throw Failure("the certificate's common name \"" + printable(params.user) + "\" " +
		              *problem + "; the server would refuse it");
	return params;
}

} // namespace pg_autouser::cli
