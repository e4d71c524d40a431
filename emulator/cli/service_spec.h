// The tables behind `fanlab <service> <command>`: each service's commands,
// named as the AWS CLI names them (`aws sqs send-message`, `aws sns
// publish`, ...), and how each flag becomes a field of the action's JSON
// request. service_command.cc turns a command line into a request with
// them; the tables live in <service>_specs.cc.
#ifndef FANLAB_EMULATOR_CLI_SERVICE_SPEC_H_
#define FANLAB_EMULATOR_CLI_SERVICE_SPEC_H_

#include <vector>

namespace fanlab::cli {

// How a flag's value becomes a JSON field.
enum class Kind {
  kString,       // a JSON string
  kInt,          // a JSON number (integer)
  kList,         // a JSON array of strings; the flag takes many values
  kMap,          // a map of strings: JSON, shorthand K=V,K2=V2, or file://
  kJsonObject,   // a JSON object, aws shorthand (K=V,K2={...}), or file://
  kJsonArray,    // a JSON array, or one shorthand structure per value, or
                 // file://
  kJsonValue,    // any JSON text, or file://
  kEnvironment,  // {"Variables": {...}}, Variables={K=V,K2=V2}, or file://
  kBool,         // true or false
  kFileBase64,   // a file's path (or fileb://path): its bytes, base64-encoded
};

struct FlagSpec {
  const char* name;   // without the dashes
  const char* field;  // the request field; "Code.Command" nests
  Kind kind;
  bool required;
  const char* help;
};

struct CommandSpec {
  const char* name;
  const char* action;
  const char* help;
  std::vector<FlagSpec> flags;
  // The reply field an `outfile` argument receives, as with the aws CLI
  // (`lambda invoke ... out.json`: Payload; `s3api get-object ... out.bin`:
  // Body, base64-decoded); the rest of the reply is printed. Null: no
  // outfile.
  const char* outfile = nullptr;
};

// The services `fanlab <service> <command>` covers.
struct ServiceSpec {
  const char* name;   // "sqs"
  const char* title;  // help text
  const std::vector<CommandSpec>& (*commands)();
};

const ServiceSpec& SqsService();
const ServiceSpec& LambdaService();
const ServiceSpec& SnsService();
const ServiceSpec& S3Service();
const ServiceSpec& DynamoDbService();
const ServiceSpec& EventsService();
const ServiceSpec& HttpService();
// Every one of them, in the order `fanlab --help` lists them.
std::vector<const ServiceSpec*> AllServices();

}  // namespace fanlab::cli

#endif  // FANLAB_EMULATOR_CLI_SERVICE_SPEC_H_
