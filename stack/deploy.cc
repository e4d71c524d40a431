#include "stack/deploy.h"

#include <boost/json.hpp>

#include "emulator/core/arn.h"
#include "emulator/engine.h"

namespace fanlab::stack {

namespace json = boost::json;

namespace {

void Resolve(Engine& engine, const std::string& http_url, json::value& v) {
  if (v.is_object()) {
    for (auto& kv : v.as_object()) Resolve(engine, http_url, kv.value());
  } else if (v.is_array()) {
    for (auto& e : v.as_array()) Resolve(engine, http_url, e);
  } else if (v.is_string() && v.as_string().find("${") != json::string::npos) {
    v = json::string(
        ResolvePlaceholders(engine, http_url, std::string(v.as_string())));
  }
}

// The error message of an error body ({"message": ...}), else the body.
std::string MessageOf(const std::string& body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (!ec && v.is_object()) {
    for (const char* key : {"message", "Message"}) {
      if (const json::value* m = v.as_object().if_contains(key);
          m != nullptr && m->is_string()) {
        return std::string(m->as_string());
      }
    }
  }
  return body;
}

// PutTargets answers success with failed entries.
std::string FailedEntries(const std::string& body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return "";
  const json::value* entries = v.as_object().if_contains("FailedEntries");
  if (entries == nullptr || !entries->is_array() ||
      entries->as_array().empty()) {
    return "";
  }
  return json::serialize(*entries);
}

}  // namespace

std::string ResolvePlaceholders(Engine& engine, const std::string& http_url,
                                std::string s) {
  for (size_t at = s.find("${"); at != std::string::npos;) {
    size_t end = s.find('}', at);
    if (end == std::string::npos) break;
    std::string inside = s.substr(at + 2, end - at - 2);
    size_t colon = inside.find(':');
    std::string kind = inside.substr(0, colon);
    std::string name =
        colon == std::string::npos ? "" : inside.substr(colon + 1);
    std::string value;
    if (kind == "http" && colon == std::string::npos) {
      value = http_url;
    } else if (kind == "queue_url") {
      // Through the HTTP front when there is one, as its clients see it.
      value = http_url.empty()
                  ? engine.sqs().QueueUrl(name)
                  : http_url + "/" + engine.account().id + "/" + name;
    } else if (kind == "queue_arn") {
      value = QueueArn(engine.account(), name);
    } else if (kind == "topic_arn") {
      value = TopicArn(engine.account(), name);
    } else if (kind == "function_arn") {
      value = FunctionArn(engine.account(), name);
    } else {
      at = s.find("${", end);
      continue;
    }
    s.replace(at, end - at + 1, value);
    at = s.find("${", at + value.size());
  }
  return s;
}

Diagnostics Deploy(Engine& engine, const Stack& stack,
                   const std::string& http_url) {
  Diagnostics errors;
  for (const StackCall& call : stack.calls) {
    json::value body = call.body;
    Resolve(engine, http_url, body);
    bool answered = false;
    engine.Dispatch(
        call.action, json::serialize(body), [&](api::ApiResponse reply) {
          answered = true;
          if (!reply.ok) {
            errors.push_back({stack.file, call.mark, call.path,
                              call.action +
                                  " was refused: " + reply.error_type + ": " +
                                  MessageOf(reply.body)});
          } else if (std::string failed = FailedEntries(reply.body);
                     !failed.empty()) {
            errors.push_back({stack.file, call.mark, call.path,
                              call.action + " refused entries: " + failed});
          }
        });
    if (!answered) {
      errors.push_back(
          {stack.file, call.mark, call.path, call.action + " did not answer"});
    }
    if (!errors.empty()) break;
  }
  return errors;
}

std::string Describe(Engine& engine, const Stack& stack,
                     const std::string& http_url) {
  size_t id_width = 0, type_width = 0;
  for (const auto& r : stack.resources) {
    id_width = std::max(id_width, r.logical_id.size());
    type_width = std::max(type_width, r.type.size());
  }
  std::string out;
  for (const auto& r : stack.resources) {
    std::string line = r.logical_id;
    line.resize(id_width + 2, ' ');
    std::string type = r.type;
    type.resize(type_width + 2, ' ');
    line += type;
    std::string where = r.url.empty() ? r.arn : r.url;
    if (!r.url.empty() && !r.arn.empty()) where = r.arn + "  " + r.url;
    if (where.empty()) where = r.name;
    line += ResolvePlaceholders(engine, http_url, where);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  for (const auto& [name, value] : stack.outputs) {
    out += "Output " + name + " = " +
           ResolvePlaceholders(engine, http_url, value) + "\n";
  }
  return out;
}

}  // namespace fanlab::stack
