#include "emulator/cli/service_command.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "emulator/cli/commands.h"
#include "emulator/cli/service_spec.h"
#include "emulator/core/base64.h"

namespace fanlab::cli {
namespace {

namespace json = boost::json;

Status Invalid(std::string message) {
  return Status(ErrorCode::kInvalidParameterValue, std::move(message));
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
      std::ifstream in(value, std::ios::binary);
      if (!in) {
        return Invalid(FlagName(flag) + ": cannot read file '" + value + "'");
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

Result<SqsRequest> Translate(const ServiceSpec& service, const SqsArgs& args);
std::variant<SqsInvocation, int> ParseArgs(const ServiceSpec& service,
                                           const std::vector<std::string>& args,
                                           std::ostream& out,
                                           std::ostream& err);

int Execute(const ServiceSpec& service, const SqsInvocation& invocation,
            transport::Client& client, std::ostream& out, std::ostream& err) {
  const std::string prefix = std::string("fanlab ") + service.name + " " +
                             invocation.args.command + ": ";
  auto request = Translate(service, invocation.args);
  if (!request.ok()) {
    err << prefix << request.status().message() << "\n";
    return 2;
  }
  auto reply = client.Call(request->action, request->body,
                           std::chrono::milliseconds(invocation.timeout_ms));
  if (!reply.ok()) {
    err << prefix << reply.status().message()
        << " Is `fanlab serve` running and listening on " << invocation.endpoint
        << "?\n";
    return 2;
  }
  (reply->ok ? out : err) << PrettyJson(reply->body) << "\n";
  return reply->ok ? 0 : 1;
}

Result<SqsRequest> Translate(const ServiceSpec& service, const SqsArgs& args) {
  const CommandSpec* command = FindCommand(service, args.command);
  if (command == nullptr) {
    return Invalid("unknown command '" + args.command + "'");
  }
  for (const auto& [name, values] : args.flags) {
    bool known = std::any_of(
        command->flags.begin(), command->flags.end(),
        [&name = name](const FlagSpec& f) { return name == f.name; });
    if (!known) return Invalid("unknown flag --" + name);
  }
  json::object body;
  for (const auto& flag : command->flags) {
    auto it = args.flags.find(flag.name);
    if (it == args.flags.end()) {
      if (flag.required) return Invalid(FlagName(flag) + " is required");
      continue;
    }
    auto value = FieldValue(flag, it->second);
    if (!value.ok()) return value.status();
    SetField(body, flag.field, std::move(*value));
  }
  return SqsRequest{command->action, json::serialize(body)};
}

std::variant<SqsInvocation, int> ParseArgs(const ServiceSpec& service,
                                           const std::vector<std::string>& args,
                                           std::ostream& out,
                                           std::ostream& err) {
  CLI::App app{service.title, std::string("fanlab ") + service.name};
  app.require_subcommand(1);
  app.footer(
      "Each command sends one action to `fanlab serve` and prints the reply "
      "JSON; exit 0 on success, 1 on an error reply (printed on stderr), 2 "
      "on a bad command line or when no reply came.");

  SqsInvocation invocation;
  invocation.endpoint = kDefaultEndpoint;
  struct Bound {
    const CommandSpec* spec;
    CLI::App* app;
    std::vector<CLI::Option*> options;
  };
  std::vector<Bound> bound;
  // Storage for the values: std::map nodes stay where they are.
  std::map<std::string, std::string> singles;
  std::map<std::string, std::vector<std::string>> lists;
  for (const auto& command : service.commands()) {
    CLI::App* sub = app.add_subcommand(command.name, command.help);
    Bound b{&command, sub, {}};
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
          case Kind::kJsonObject:
          case Kind::kJsonArray:
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
      if (flag.required) option->required();
      b.options.push_back(option);
    }
    sub->add_option("--endpoint", invocation.endpoint,
                    "Endpoint of `fanlab serve`")
        ->capture_default_str();
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
    return 2;
  }

  for (const auto& b : bound) {
    if (!b.app->parsed()) continue;
    invocation.args.command = b.spec->name;
    for (size_t i = 0; i < b.spec->flags.size(); ++i) {
      if (b.options[i]->count() == 0) continue;
      const FlagSpec& flag = b.spec->flags[i];
      std::string key = std::string(b.spec->name) + " " + flag.name;
      invocation.args.flags[flag.name] =
          flag.kind == Kind::kList ? lists[key]
                                   : std::vector<std::string>{singles[key]};
    }
  }
  return invocation;
}

int Run(const ServiceSpec& service, const std::vector<std::string>& args,
        transport::Client* client, std::ostream& out, std::ostream& err) {
  auto parsed = ParseArgs(service, args, out, err);
  if (const int* code = std::get_if<int>(&parsed)) return *code;
  const auto& invocation = std::get<SqsInvocation>(parsed);
  if (client != nullptr) {
    return Execute(service, invocation, *client, out, err);
  }
  transport::Context context;
  transport::Client own(context, invocation.endpoint);
  return Execute(service, invocation, own, out, err);
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
