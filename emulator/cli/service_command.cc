#include "emulator/cli/service_command.h"

#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "emulator/api/service_model.h"
#include "emulator/cli/commands.h"
#include "emulator/cli/endpoint.h"
#include "emulator/cli/output.h"
#include "emulator/cli/service_spec.h"
#include "emulator/cli/shorthand.h"
#include "emulator/core/base64.h"
#include "emulator/queue/sqs_errors.h"

namespace fanlab::cli {
namespace {

namespace json = boost::json;

Status Invalid(std::string message) {
  return Status(sqs::kInvalidParameterValue, std::move(message));
}

std::string FlagName(const FlagSpec& flag) {
  return std::string("--") + flag.name;
}

std::optional<int64_t> ParseInt(std::string_view text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
    s.remove_suffix(1);
  }
  return s;
}

// The flag's text, read from the file when it is file://path.
Result<std::string> ReadValue(const FlagSpec& flag, const std::string& value) {
  constexpr std::string_view kFile = "file://";
  if (value.compare(0, kFile.size(), kFile) != 0) return value;
  std::string path = value.substr(kFile.size());
  std::ifstream in(path, std::ios::binary);
  if (!in) return Invalid(FlagName(flag) + ": cannot read file '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Result<json::value> ParseJson(const FlagSpec& flag, std::string_view text) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec) {
    return Invalid(FlagName(flag) + ": invalid JSON (" + ec.message() + ")");
  }
  return value;
}

// --attributes, --tags: a JSON object of strings (numbers, booleans, objects
// and arrays are turned into their JSON text, as SQS wants strings), or the
// shorthand Key=Value,Key2=Value2 (a piece without '=' continues the previous
// value, so values may hold commas).
Result<json::value> ParseMap(const FlagSpec& flag, std::string_view text) {
  text = Trim(text);
  json::object map;
  if (!text.empty() && text.front() == '{') {
    auto parsed = ParseJson(flag, text);
    if (!parsed.ok()) return parsed.status();
    if (!parsed->is_object()) {
      return Invalid(FlagName(flag) + ": expected a JSON object");
    }
    for (const auto& [key, value] : parsed->get_object()) {
      if (value.is_string()) {
        map[key] = value;
      } else if (value.is_null()) {
        return Invalid(FlagName(flag) + ": value of " + std::string(key) +
                       " is null");
      } else {
        map[key] = json::serialize(value);
      }
    }
    return json::value(std::move(map));
  }
  if (text.empty()) {
    return Invalid(FlagName(flag) +
                   ": expected JSON or Key=Value,Key2=Value2, got nothing");
  }
  std::string last_key;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view piece = text.substr(start, comma - start);
    size_t eq = piece.find('=');
    if (eq == std::string_view::npos) {
      if (last_key.empty()) {
        return Invalid(FlagName(flag) +
                       ": expected JSON or Key=Value,Key2=Value2, got '" +
                       std::string(piece) + "'");
      }
      std::string joined(map[last_key].as_string());
      joined += ",";
      joined += piece;
      map[last_key] = joined;
    } else {
      std::string key(Trim(piece.substr(0, eq)));
      if (key.empty()) {
        return Invalid(FlagName(flag) + ": empty key in '" +
                       std::string(piece) + "'");
      }
      map[key] = piece.substr(eq + 1);
      last_key = key;
    }
    start = comma + 1;
  }
  return json::value(std::move(map));
}

Result<json::value> FieldValue(const FlagSpec& flag,
                               const std::vector<std::string>& values) {
  if (flag.kind == Kind::kList) {
    json::array list;
    for (const auto& v : values) list.emplace_back(v);
    return json::value(std::move(list));
  }
  if (flag.kind == Kind::kJsonArray && values.size() > 1) {
    // --entries Id=1,MessageBody=a Id=2,MessageBody=b: one element each.
    json::array list;
    for (const auto& v : values) {
      auto element = FieldValue(flag, {v});
      if (!element.ok()) return element;
      for (auto& e : element->as_array()) list.push_back(std::move(e));
    }
    return json::value(std::move(list));
  }
  if (values.size() != 1) {
    return Invalid(FlagName(flag) + ": expected one value, got " +
                   std::to_string(values.size()));
  }
  const std::string& value = values.front();
  switch (flag.kind) {
    case Kind::kString:
      return json::value(value);
    case Kind::kInt: {
      auto number = ParseInt(value);
      if (!number) {
        return Invalid(FlagName(flag) + ": expected an integer, got '" + value +
                       "'");
      }
      return json::value(*number);
    }
    case Kind::kMap: {
      auto text = ReadValue(flag, value);
      if (!text.ok()) return text.status();
      return ParseMap(flag, *text);
    }
    case Kind::kJsonValue: {
      auto text = ReadValue(flag, value);
      if (!text.ok()) return text.status();
      return ParseJson(flag, *text);
    }
    case Kind::kEnvironment: {
      auto text = ReadValue(flag, value);
      if (!text.ok()) return text.status();
      std::string_view t = Trim(*text);
      constexpr std::string_view kShorthand = "Variables={";
      if (t.starts_with(kShorthand) && t.ends_with("}")) {
        t.remove_prefix(kShorthand.size());
        t.remove_suffix(1);
        json::object vars;
        if (!Trim(t).empty()) {
          auto map = ParseMap(flag, t);
          if (!map.ok()) return map.status();
          vars = map->get_object();
        }
        return json::value(json::object{{"Variables", std::move(vars)}});
      }
      auto parsed = ParseJson(flag, t);
      if (!parsed.ok()) return parsed.status();
      if (!parsed->is_object()) {
        return Invalid(FlagName(flag) +
                       ": expected Variables={K=V,...} or a JSON object");
      }
      return parsed;
    }
    case Kind::kJsonObject:
    case Kind::kJsonArray: {
      auto text = ReadValue(flag, value);
      if (!text.ok()) return text.status();
      if (LooksLikeShorthand(*text)) {
        auto parsed = ParseShorthand(*text);
        if (!parsed.ok()) {
          return Invalid(FlagName(flag) + ": " + parsed.status().message());
        }
        if (flag.kind == Kind::kJsonObject) return parsed;
        return json::value(json::array{std::move(*parsed)});
      }
      auto parsed = ParseJson(flag, *text);
      if (!parsed.ok()) return parsed.status();
      bool object = flag.kind == Kind::kJsonObject;
      if (object ? !parsed->is_object() : !parsed->is_array()) {
        return Invalid(FlagName(flag) + ": expected a JSON " +
                       (object ? "object" : "array"));
      }
      return parsed;
    }
    case Kind::kBool:
      if (value == "true" || value == "false") {
        return json::value(value == "true");
      }
      return Invalid(FlagName(flag) + ": expected true or false, got '" +
                     value + "'");
    case Kind::kFileBase64: {
      std::string path = value;
      if (path.starts_with("fileb://")) path.erase(0, 8);
      std::ifstream in(path, std::ios::binary);
      if (!in) {
        return Invalid(FlagName(flag) + ": cannot read file '" + path + "'");
      }
      std::ostringstream bytes;
      bytes << in.rdbuf();
      return json::value(Base64Encode(bytes.str()));
    }
    case Kind::kList:
      break;
  }
  return Invalid(FlagName(flag) + ": unsupported flag");
}

const CommandSpec* FindCommand(const ServiceSpec& service,
                               std::string_view name) {
  for (const auto& command : service.commands()) {
    if (name == command.name) return &command;
  }
  return nullptr;
}

void PrettyTo(const json::value& v, int indent, std::string& out) {
  if (v.is_object() && !v.get_object().empty()) {
    out += "{\n";
    bool first = true;
    for (const auto& [key, value] : v.get_object()) {
      if (!first) out += ",\n";
      first = false;
      out.append(indent + 2, ' ');
      out += json::serialize(json::value(json::string(key)));
      out += ": ";
      PrettyTo(value, indent + 2, out);
    }
    out += "\n";
    out.append(indent, ' ');
    out += "}";
  } else if (v.is_array() && !v.get_array().empty()) {
    out += "[\n";
    bool first = true;
    for (const auto& value : v.get_array()) {
      if (!first) out += ",\n";
      first = false;
      out.append(indent + 2, ' ');
      PrettyTo(value, indent + 2, out);
    }
    out += "\n";
    out.append(indent, ' ');
    out += "]";
  } else {
    out += json::serialize(v);
  }
}

// A validator for integer flags (CLI11's own would accept 1.5).
CLI::Validator Integer() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        if (ParseInt(value)) return {};
        return "Value " + value + " is not an integer";
      },
      "", "INTEGER");
}

// Sets body.a.b = value for the field "a.b".
void SetField(json::object& body, std::string_view field, json::value value) {
  json::object* at = &body;
  size_t dot;
  while ((dot = field.find('.')) != std::string_view::npos) {
    json::value& next = (*at)[field.substr(0, dot)];
    if (!next.is_object()) next = json::object();
    at = &next.get_object();
    field.remove_prefix(dot + 1);
  }
  (*at)[field] = std::move(value);
}

// The service model behind a `fanlab <service>` word; null for fanlab's own
// `http`.
const api::ServiceModel* ModelOf(const ServiceSpec& service) {
  std::string_view name = service.name;
  if (name == "s3api") return &api::ServiceModel::Get("s3");
  if (name == "sqs" || name == "lambda" || name == "sns" ||
      name == "dynamodb" || name == "events") {
    return &api::ServiceModel::Get(name);
  }
  return nullptr;
}

// The dispatcher's name of the service ("s3" for s3api).
std::string_view DispatchName(const ServiceSpec& service) {
  std::string_view name = service.name;
  return name == "s3api" ? "s3" : name;
}

// The shape the model declares for `field` ("Code.Command") of `action`'s
// input; null when the model does not say.
const api::Shape* FieldShape(const ServiceSpec& service,
                             std::string_view action, std::string_view field) {
  const api::ServiceModel* model = ModelOf(service);
  if (model == nullptr) return nullptr;
  const api::Operation* op = model->FindOperation(action);
  if (op == nullptr) return nullptr;
  const api::Shape* shape = op->input;
  while (shape != nullptr) {
    size_t dot = field.find('.');
    const api::Member* m = shape->FindMember(field.substr(0, dot));
    if (m == nullptr) return nullptr;
    if (dot == std::string_view::npos) return m->ref.shape;
    shape = m->ref.shape;
    field.remove_prefix(dot + 1);
  }
  return nullptr;
}

Result<SqsRequest> Translate(const ServiceSpec& service, const SqsArgs& args);
std::variant<SqsInvocation, int> ParseArgs(const ServiceSpec& service,
                                           const std::vector<std::string>& args,
                                           std::ostream& out,
                                           std::ostream& err);

using CallFn = std::function<Result<transport::Reply>(
    std::string_view action, std::string_view body,
    std::chrono::milliseconds timeout)>;

// The aws CLI's line for an error reply: "An error occurred (Code) when
// calling the Action operation: message".
std::string ErrorLine(std::string_view action, const std::string& body) {
  std::string code = "Unknown";
  std::string message = body;
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (!ec && v.is_object()) {
    const json::object& o = v.get_object();
    for (const char* key : {"__type", "code", "Code"}) {
      if (const json::value* t = o.if_contains(key); t && t->is_string()) {
        code = std::string(t->get_string());
        break;
      }
    }
    // "com.amazonaws.sqs#QueueDoesNotExist" -> "QueueDoesNotExist".
    if (size_t hash = code.rfind('#'); hash != std::string::npos) {
      code.erase(0, hash + 1);
    }
    message.clear();
    for (const char* key : {"message", "Message", "errorMessage"}) {
      if (const json::value* m = o.if_contains(key); m && m->is_string()) {
        message = std::string(m->get_string());
        break;
      }
    }
  }
  if (message.empty()) {
    message = "(an error without a body: is the endpoint a fanlab?)";
  }
  return "An error occurred (" + code + ") when calling the " +
         std::string(action) + " operation: " + message;
}

// Writes the command's outfile field of `reply` to `path` and removes it
// from the reply. Body fields are base64 on the wire and written as bytes.
Status WriteOutfile(const CommandSpec& command, const std::string& path,
                    json::object& reply) {
  std::string bytes;
  if (const json::value* v = reply.if_contains(command.outfile)) {
    if (v->is_string()) {
      bytes = std::string(v->get_string());
    } else {
      bytes = json::serialize(*v);
    }
    if (std::string_view(command.outfile) == "Body") {
      auto decoded = Base64Decode(bytes);
      if (!decoded) {
        return Invalid(std::string(command.outfile) + " is not base64");
      }
      bytes = std::move(*decoded);
    }
    reply.erase(command.outfile);
  }
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << bytes;
  file.close();
  if (!file) return Invalid("cannot write the outfile '" + path + "'");
  return Status::Ok();
}

int Execute(const ServiceSpec& service, const SqsInvocation& invocation,
            const CallFn& call, std::ostream& out, std::ostream& err) {
  const std::string prefix = std::string("fanlab ") + service.name + " " +
                             invocation.args.command + ": ";
  auto request = Translate(service, invocation.args);
  if (!request.ok()) {
    err << prefix << request.status().message() << "\n";
    return kExitUsage;
  }
  OutputFormat format;
  if (!ParseOutputFormat(invocation.output, &format)) {
    err << prefix << "--output must be json, text or table, not '"
        << invocation.output << "'\n";
    return kExitUsage;
  }
  auto reply = call(request->action, request->body,
                    std::chrono::milliseconds(invocation.timeout_ms));
  if (!reply.ok()) {
    err << prefix << reply.status().message()
        << " Is `fanlab serve` running and listening on " << invocation.endpoint
        << "?\n";
    return kExitOther;
  }
  if (!reply->ok) {
    err << ErrorLine(request->action, reply->body) << "\n";
    return kExitService;
  }
  boost::system::error_code ec;
  json::value value = json::parse(reply->body, ec);
  if (ec) {
    out << reply->body << "\n";
    return kExitOk;
  }
  const CommandSpec* command = FindCommand(service, invocation.args.command);
  if (command != nullptr && command->outfile != nullptr &&
      !invocation.outfile.empty() && value.is_object()) {
    if (Status s =
            WriteOutfile(*command, invocation.outfile, value.get_object());
        !s.ok()) {
      err << prefix << s.message() << "\n";
      return kExitOther;
    }
  }
  switch (format) {
    case OutputFormat::kJson: {
      std::string text;
      PrettyTo(value, 0, text);
      out << text << "\n";
      break;
    }
    case OutputFormat::kText:
      out << FormatText(value);
      break;
    case OutputFormat::kTable:
      out << FormatTable(value, request->action);
      break;
  }
  return kExitOk;
}

Result<SqsRequest> Translate(const ServiceSpec& service, const SqsArgs& args) {
  const CommandSpec* command = FindCommand(service, args.command);
  if (command == nullptr) {
    return Invalid("unknown command '" + args.command + "'");
  }
  json::object body;
  for (const auto& [name, values] : args.flags) {
    if (name == "cli-input-json") {
      // The request as JSON (or file://); flags given beside it win.
      FlagSpec flag{"cli-input-json", "", Kind::kJsonObject, false, ""};
      auto text = ReadValue(flag, values.empty() ? "" : values.front());
      if (!text.ok()) return text.status();
      auto parsed = ParseJson(flag, *text);
      if (!parsed.ok()) return parsed.status();
      if (!parsed->is_object()) {
        return Invalid("--cli-input-json: expected a JSON object");
      }
      body = parsed->get_object();
      continue;
    }
    bool known = std::any_of(
        command->flags.begin(), command->flags.end(),
        [&name = name](const FlagSpec& f) { return name == f.name; });
    if (!known) return Invalid("unknown flag --" + name);
  }
  for (const auto& flag : command->flags) {
    auto it = args.flags.find(flag.name);
    if (it == args.flags.end()) {
      if (flag.required && !body.contains(flag.field)) {
        return Invalid(FlagName(flag) + " is required");
      }
      continue;
    }
    auto value = FieldValue(flag, it->second);
    if (!value.ok()) return value.status();
    if (flag.kind == Kind::kJsonArray || flag.kind == Kind::kJsonObject) {
      // Shorthand gives strings: the model says which are numbers.
      *value = CoerceToShape(std::move(*value),
                             FieldShape(service, command->action, flag.field));
    }
    SetField(body, flag.field, std::move(*value));
  }
  return SqsRequest{command->action, json::serialize(body)};
}

std::variant<SqsInvocation, int> ParseArgs(const ServiceSpec& service,
                                           const std::vector<std::string>& all,
                                           std::ostream& out,
                                           std::ostream& err) {
  CLI::App app{service.title, std::string("fanlab ") + service.name};
  app.require_subcommand(1);
  app.footer(
      "Each command sends one action to `fanlab serve` (--endpoint-url, else "
      "$FANLAB_ENDPOINT, else " +
      std::string(kDefaultEndpoint) +
      ": http:// for the HTTP front, tcp://, ipc:// or ws:// for ZeroMQ) and "
      "prints the reply (--output json, text or table). Structures and lists "
      "take JSON, the aws CLI's shorthand (Id=1,MessageBody=a) or file://. "
      "Exit 0 on success, 254 on an error reply (\"An error occurred (...)\" "
      "on stderr), 252 on a bad command line, 2 when the endpoint cannot be "
      "reached, 255 when no reply came.");

  // Words after a lone `--` are an argv (--command's), never flags.
  std::vector<std::string> args = all;
  std::vector<std::string> argv_tail;
  bool has_tail = false;
  if (auto dashes = std::find(args.begin(), args.end(), "--");
      dashes != args.end()) {
    argv_tail.assign(dashes + 1, args.end());
    args.erase(dashes, args.end());
    has_tail = true;
  }

  // A structure list (--entries) takes one value per structure. CLI11 would
  // split a JSON array's text at its commas, so these values are taken here,
  // before it parses: every word after the flag up to the next flag.
  std::map<std::string, std::vector<std::string>> structure_lists;
  if (!args.empty()) {
    if (const CommandSpec* command = FindCommand(service, args.front())) {
      for (size_t i = 1; i < args.size();) {
        const FlagSpec* flag = nullptr;
        for (const auto& f : command->flags) {
          if (f.kind == Kind::kJsonArray && args[i] == FlagName(f)) flag = &f;
        }
        if (flag == nullptr) {
          ++i;
          continue;
        }
        size_t end = i + 1;
        while (end < args.size() && !args[end].starts_with("--")) ++end;
        auto& values = structure_lists[flag->name];
        values.insert(values.end(), args.begin() + i + 1, args.begin() + end);
        // An empty list stays for CLI11 to report the missing value.
        if (end == i + 1) {
          ++i;
          continue;
        }
        args.erase(args.begin() + i, args.begin() + end);
      }
    }
  }

  SqsInvocation invocation;
  invocation.endpoint = kDefaultEndpoint;
  if (const char* env = std::getenv("FANLAB_ENDPOINT"); env && *env) {
    invocation.endpoint = env;
  }
  struct Bound {
    const CommandSpec* spec;
    CLI::App* app;
    std::vector<CLI::Option*> options;
    CLI::Option* cli_input_json;
  };
  std::vector<Bound> bound;
  // Storage for the values: std::map nodes stay where they are.
  std::map<std::string, std::string> singles;
  std::map<std::string, std::vector<std::string>> lists;
  for (const auto& command : service.commands()) {
    CLI::App* sub = app.add_subcommand(command.name, command.help);
    Bound b{&command, sub, {}, nullptr};
    for (const auto& flag : command.flags) {
      std::string key = std::string(command.name) + " " + flag.name;
      CLI::Option* option;
      if (flag.kind == Kind::kList) {
        option = sub->add_option(FlagName(flag), lists[key], flag.help)
                     ->type_name("NAME");
      } else {
        option = sub->add_option(FlagName(flag), singles[key], flag.help);
        switch (flag.kind) {
          case Kind::kInt:
            option->check(Integer())->type_name("INT");
            break;
          case Kind::kMap:
            option->type_name("MAP");
            break;
          case Kind::kJsonArray:
            option->type_name("JSON|SHORTHAND...");
            break;
          case Kind::kJsonObject:
          case Kind::kJsonValue:
            option->type_name("JSON");
            break;
          case Kind::kEnvironment:
            option->type_name("ENV");
            break;
          case Kind::kBool:
            option->type_name("BOOL");
            break;
          case Kind::kFileBase64:
            option->type_name("FILE");
            break;
          default:
            option->type_name("TEXT");
            break;
        }
      }
      // Required flags are checked after parsing: --cli-input-json, or an
      // argv after `--`, may give them instead.
      if (flag.required)
        option->description(std::string(flag.help) + " (required)");
      b.options.push_back(option);
    }
    b.cli_input_json = sub->add_option(
        "--cli-input-json",
        singles[std::string(command.name) + " --cli-input-json"],
        "The request as JSON (or file://PATH); flags given "
        "beside it override its fields");
    if (command.outfile != nullptr) {
      sub->add_option("outfile", invocation.outfile,
                      std::string("File to write ") + command.outfile +
                          " to (it is left out of the printed reply)");
    }
    sub->add_option("--endpoint-url,--endpoint", invocation.endpoint,
                    "Endpoint of `fanlab serve` (env FANLAB_ENDPOINT)")
        ->capture_default_str();
    sub->add_option("--output", invocation.output, "json, text or table")
        ->check(CLI::IsMember({"json", "text", "table"}))
        ->capture_default_str();
    sub->add_option("--region", invocation.region,
                    "Accepted for the aws CLI's habits: one fanlab serves one "
                    "region (`fanlab serve --region`)");
    sub->add_option("--timeout-ms", invocation.timeout_ms,
                    "How long to wait for the reply")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    bound.push_back(b);
  }

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::ParseError& e) {
    app.exit(e, out, err);
    return kExitUsage;
  }

  for (const auto& b : bound) {
    if (!b.app->parsed()) continue;
    invocation.args.command = b.spec->name;
    for (size_t i = 0; i < b.spec->flags.size(); ++i) {
      const FlagSpec& flag = b.spec->flags[i];
      std::string key = std::string(b.spec->name) + " " + flag.name;
      if (flag.kind == Kind::kList && has_tail) {
        // `-- ARGV...` is the argv of the command's one list flag that is
        // an argv (--command), after whatever the flag itself gave.
        if (std::string_view(flag.field).ends_with("Command")) {
          std::vector<std::string> argv = b.options[i]->count() > 0
                                              ? lists[key]
                                              : std::vector<std::string>{};
          argv.insert(argv.end(), argv_tail.begin(), argv_tail.end());
          invocation.args.flags[flag.name] = std::move(argv);
          has_tail = false;
          continue;
        }
      }
      if (auto taken = structure_lists.find(flag.name);
          taken != structure_lists.end() && !taken->second.empty()) {
        invocation.args.flags[flag.name] = taken->second;
        continue;
      }
      if (b.options[i]->count() == 0) continue;
      invocation.args.flags[flag.name] =
          flag.kind == Kind::kList ? lists[key]
                                   : std::vector<std::string>{singles[key]};
    }
    if (b.cli_input_json->count() > 0) {
      invocation.args.flags["cli-input-json"] = {
          singles[std::string(b.spec->name) + " --cli-input-json"]};
    }
    if (has_tail) {
      err << "fanlab " << service.name << " " << b.spec->name
          << ": words after `--` are an argv, and this command takes none\n";
      return kExitUsage;
    }
    for (const auto& flag : b.spec->flags) {
      if (flag.required && !invocation.args.flags.contains(flag.name) &&
          !invocation.args.flags.contains("cli-input-json")) {
        err << "fanlab " << service.name << " " << b.spec->name << ": "
            << FlagName(flag) << " is required\n";
        return kExitUsage;
      }
    }
  }
  if (auto command = invocation.args.flags.find("command");
      command != invocation.args.flags.end() && !command->second.empty()) {
    command->second.front() = ResolveCommandProgram(
        command->second.front(),
        invocation.args.flags.contains("working-directory"));
  }
  return invocation;
}

int Run(const ServiceSpec& service, const std::vector<std::string>& args,
        transport::Client* client, std::ostream& out, std::ostream& err) {
  auto parsed = ParseArgs(service, args, out, err);
  if (const int* code = std::get_if<int>(&parsed)) return *code;
  const auto& invocation = std::get<SqsInvocation>(parsed);
  if (client != nullptr) {
    CallFn call = [client](std::string_view action, std::string_view body,
                           std::chrono::milliseconds timeout) {
      return client->Call(action, body, timeout);
    };
    return Execute(service, invocation, call, out, err);
  }
  const std::string prefix = std::string("fanlab ") + service.name + " " +
                             invocation.args.command + ": ";
  auto transport = TransportOf(invocation.endpoint);
  if (!transport.ok()) {
    err << prefix << transport.status().message() << "\n";
    return kExitNoEndpoint;
  }
  if (Status reachable =
          CheckReachable(invocation.endpoint, std::chrono::milliseconds(2000));
      !reachable.ok()) {
    err << prefix << "cannot reach " << invocation.endpoint << ": "
        << reachable.message()
        << ". Start one with `fanlab serve`, or point --endpoint-url (or "
           "FANLAB_ENDPOINT) at a running one.\n";
    return kExitNoEndpoint;
  }
  if (*transport == Transport::kHttp) {
    std::string endpoint = invocation.endpoint;
    std::string service_name(DispatchName(service));
    CallFn call = [endpoint, service_name](std::string_view action,
                                           std::string_view body,
                                           std::chrono::milliseconds timeout) {
      return HttpCall(endpoint, service_name, action, body, timeout);
    };
    return Execute(service, invocation, call, out, err);
  }
  transport::Context context;
  transport::Client own(context, invocation.endpoint);
  CallFn call = [&own](std::string_view action, std::string_view body,
                       std::chrono::milliseconds timeout) {
    return own.Call(action, body, timeout);
  };
  return Execute(service, invocation, call, out, err);
}

// `fanlab <service> ...`: everything after the service word goes to Run,
// which has its own parser (and help), so errors and exit codes are the
// same from the shell and in tests.
void AddService(CLI::App& app, const ServiceSpec& service) {
  CLI::App* sub = app.add_subcommand(
      service.name,
      std::string(service.title) + " (`fanlab " + service.name + " --help`)");
  sub->prefix_command();
  sub->set_help_flag();
  sub->callback([sub, &service] {
    std::exit(Run(service, sub->remaining(), nullptr, std::cout, std::cerr));
  });
}

}  // namespace

Result<SqsRequest> TranslateSqs(const SqsArgs& args) {
  return Translate(SqsService(), args);
}
Result<SqsRequest> TranslateLambda(const SqsArgs& args) {
  return Translate(LambdaService(), args);
}

std::variant<SqsInvocation, int> ParseSqsArgs(
    const std::vector<std::string>& args, std::ostream& out,
    std::ostream& err) {
  return ParseArgs(SqsService(), args, out, err);
}

int RunSqs(const std::vector<std::string>& args, transport::Client& client,
           std::ostream& out, std::ostream& err) {
  return Run(SqsService(), args, &client, out, err);
}

int RunSqs(const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err) {
  return Run(SqsService(), args, nullptr, out, err);
}

int RunLambda(const std::vector<std::string>& args, transport::Client& client,
              std::ostream& out, std::ostream& err) {
  return Run(LambdaService(), args, &client, out, err);
}

Result<SqsRequest> TranslateService(const ServiceSpec& service,
                                    const SqsArgs& args) {
  return Translate(service, args);
}

int RunService(const ServiceSpec& service, const std::vector<std::string>& args,
               transport::Client& client, std::ostream& out,
               std::ostream& err) {
  return Run(service, args, &client, out, err);
}

int RunService(const ServiceSpec& service, const std::vector<std::string>& args,
               std::ostream& out, std::ostream& err) {
  return Run(service, args, nullptr, out, err);
}

std::string ResolveCommandProgram(const std::string& program,
                                  bool has_working_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  auto runnable = [&ec](const fs::path& p) {
    return fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
  };
  if (program.empty()) return program;
  if (program.find('/') != std::string::npos) {
    if (has_working_dir || fs::path(program).is_absolute()) return program;
    return fs::absolute(program, ec).lexically_normal().string();
  }
  std::vector<fs::path> dirs;
  if (const char* env = std::getenv("FANLAB_FUNCTIONS_DIR"); env && *env) {
    dirs.emplace_back(env);
  }
  if (fs::path self = fs::read_symlink("/proc/self/exe", ec); !ec) {
    fs::path exe = self.parent_path();
    dirs.push_back(exe / "functions");
    dirs.push_back(exe.parent_path() / "functions");
    dirs.push_back(exe.parent_path() / "lib" / "fanlab" / "functions");
  }
  if (const char* path = std::getenv("PATH")) {
    std::string all = path;
    for (size_t start = 0; start <= all.size();) {
      size_t end = std::min(all.find(':', start), all.size());
      if (end > start) dirs.emplace_back(all.substr(start, end - start));
      start = end + 1;
    }
  }
  for (const auto& dir : dirs) {
    fs::path p = dir / program;
    if (runnable(p)) return fs::absolute(p, ec).lexically_normal().string();
  }
  return program;
}

std::string PrettyJson(const std::string& body) {
  boost::system::error_code ec;
  json::value value = json::parse(body, ec);
  if (ec) return body;
  std::string out;
  PrettyTo(value, 0, out);
  return out;
}

void AddServiceCommands(CLI::App& app) {
  for (const ServiceSpec* service : AllServices()) AddService(app, *service);
}

}  // namespace fanlab::cli
