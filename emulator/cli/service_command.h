// `fanlab <service> <command>`: the aws CLI's subcommands and flags for
// sqs, lambda, sns, s3api, dynamodb and events (plus fanlab's own http),
// each sent as one action to a running `fanlab serve`. (`lambda
// create-function` takes --command, the argv, in place of a zip;
// service_spec.h has the tables.)
//
// The pieces are separate so they can be tested without sockets:
// ParseSqsArgs (command line -> SqsArgs), TranslateSqs / TranslateService
// (SqsArgs -> action and JSON body) and RunSqs / RunService (the whole
// thing against a given Client).
#ifndef FANLAB_EMULATOR_CLI_SERVICE_COMMAND_H_
#define FANLAB_EMULATOR_CLI_SERVICE_COMMAND_H_

#include <map>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

#include "emulator/core/status.h"
#include "emulator/transport/client.h"

namespace fanlab::cli {

// One subcommand's flags as given: `command` is e.g. "send-message"; `flags`
// maps a flag's name without its dashes ("queue-url") to its values (one,
// except for list flags such as --attribute-names). Flags not given are
// absent.
struct SqsArgs {
  std::string command;
  std::map<std::string, std::vector<std::string>> flags;
};

// What one subcommand sends: the action and its JSON body.
struct SqsRequest {
  std::string action;  // e.g. "SendMessage"
  std::string body;    // a JSON object
};

// Translates a subcommand's flags to its request. Map flags (--attributes,
// --tags) take JSON or the shorthand Key=Value,Key2=Value2; JSON flags
// (--entries, --message-attributes, ...) and map flags also take
// file://path. Integer flags become JSON numbers. An error (unknown command,
// missing flag, invalid JSON or integer, unreadable file) is an
// InvalidParameterValue status whose message names the flag.
Result<SqsRequest> TranslateSqs(const SqsArgs& args);
// The same for `fanlab lambda`. Dotted fields nest (--command fills
// Code.Command); --environment takes Variables={K=V,K2=V2} or JSON;
// --payload any JSON.
Result<SqsRequest> TranslateLambda(const SqsArgs& args);
// The same for any service of service_spec.h.
struct ServiceSpec;
Result<SqsRequest> TranslateService(const ServiceSpec& service,
                                    const SqsArgs& args);

// The command line after `sqs`, parsed.
struct SqsInvocation {
  SqsArgs args;
  // --endpoint-url (or --endpoint), else $FANLAB_ENDPOINT, else
  // tcp://127.0.0.1:9400. Its scheme picks the transport (endpoint.h).
  std::string endpoint;
  int timeout_ms = 30000;
  std::string output = "json";  // --output: json, text or table
  std::string region;           // --region: accepted, as the aws CLI's
  std::string outfile;  // the positional OUTFILE, when the command has one
};

// The exit codes, the aws CLI's (and 2 for an endpoint that cannot be
// reached, reported within about two seconds).
inline constexpr int kExitOk = 0;
inline constexpr int kExitNoEndpoint = 2;
inline constexpr int kExitUsage = 252;    // a bad command line
inline constexpr int kExitService = 254;  // the service answered an error
inline constexpr int kExitOther = 255;    // no answer in time, ...

// Parses `args` (the words after `fanlab sqs`). On --help, prints the help
// on `out` and returns exit code 0; on a parse error (unknown command or
// flag, bad value, missing flag) prints CLI11's message on `err` and returns
// kExitUsage. Words after a lone `--` are the argv of a command that takes
// one (`lambda create-function ... -- /bin/sh -c 'echo hi'`).
std::variant<SqsInvocation, int> ParseSqsArgs(
    const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// Parses, translates and sends through `client` (whatever --endpoint says),
// printing the reply on `out` in the --output format. Returns the exit
// code: kExitOk; kExitService for an error reply, printed on `err` as the
// aws CLI prints it ("An error occurred (QueueDoesNotExist) when calling
// the GetQueueUrl operation: ..."); kExitUsage for a bad command line;
// kExitOther when no reply came.
int RunSqs(const std::vector<std::string>& args, transport::Client& client,
           std::ostream& out, std::ostream& err);

// As above, connecting to --endpoint.
int RunSqs(const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err);

// `fanlab lambda ...` through `client`, as RunSqs.
int RunLambda(const std::vector<std::string>& args, transport::Client& client,
              std::ostream& out, std::ostream& err);
int RunService(const ServiceSpec& service, const std::vector<std::string>& args,
               transport::Client& client, std::ostream& out, std::ostream& err);
// As above, connecting to --endpoint-url by its scheme, as the shell does.
int RunService(const ServiceSpec& service, const std::vector<std::string>& args,
               std::ostream& out, std::ostream& err);

// A --command program as the command line sends it (the server runs it
// from its own working directory): a relative path (with a slash) made
// absolute against the current directory, unless `has_working_dir` (the
// server resolves it against --working-directory); a bare name looked up
// where scenarios look up theirs: $FANLAB_FUNCTIONS_DIR, the functions/
// folder of this fanlab (functions/, ../functions, ../lib/fanlab/functions
// next to the executable), then $PATH. Unchanged when not found: the
// server then refuses it (InvalidParameterValueException).
std::string ResolveCommandProgram(const std::string& program,
                                  bool has_working_dir);

// `value` as JSON with a 2-space indent (a body that is not JSON is returned
// as it is).
std::string PrettyJson(const std::string& body);

}  // namespace fanlab::cli

#endif  // FANLAB_EMULATOR_CLI_SERVICE_COMMAND_H_
