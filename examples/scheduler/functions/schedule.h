// What the scheduler example's functions share: the schedule record as the
// table keeps it and the API shows it, paging through Query and Scan, and
// sending to a queue in batches of 10. Each function is its own
// `bootstrap` (a provided.al2023 custom runtime) built with fanlab's C++
// SDK, which speaks the Lambda Runtime API.
#ifndef FANLAB_EXAMPLES_SCHEDULER_SCHEDULE_H_
#define FANLAB_EXAMPLES_SCHEDULER_SCHEDULE_H_

#include <fanlab/function.h>
#include <fanlab/json_client.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace scheduler {

namespace json = boost::json;
namespace sdk = fanlab::sdk;

// A schedule: run `algorithm` on `input` every `run_interval_minutes`.
struct Schedule {
  std::string username;
  std::string id;
  std::string algorithm;  // "rowell/Hello/0.2.0"
  std::string apikey;
  std::string input;
  int64_t run_interval_minutes = 0;
  bool enabled = true;
};

inline std::string Table() {
  return sdk::EnvOr("SCHEDULES_TABLE", "Schedules");
}

inline json::object ToItem(const Schedule& s) {
  return {
      {"username", {{"S", s.username}}},
      {"id", {{"S", s.id}}},
      {"algorithm", {{"S", s.algorithm}}},
      {"apikey", {{"S", s.apikey}}},
      {"input", {{"S", s.input}}},
      {"run_interval_minutes", {{"N", std::to_string(s.run_interval_minutes)}}},
      {"enabled", {{"BOOL", s.enabled}}}};
}

// The attribute `name` of DynamoDB type `type` ("S", "N", "BOOL"), or null.
inline const json::value* Attr(const json::object& item, std::string_view name,
                               std::string_view type) {
  const json::value* a = item.if_contains(name);
  if (a == nullptr || !a->is_object()) return nullptr;
  return a->as_object().if_contains(type);
}

inline std::string StringAttr(const json::object& item, std::string_view name) {
  const json::value* v = Attr(item, name, "S");
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : "";
}

inline Schedule FromItem(const json::object& item) {
  Schedule s;
  s.username = StringAttr(item, "username");
  s.id = StringAttr(item, "id");
  s.algorithm = StringAttr(item, "algorithm");
  s.apikey = StringAttr(item, "apikey");
  s.input = StringAttr(item, "input");
  if (const json::value* n = Attr(item, "run_interval_minutes", "N");
      n != nullptr && n->is_string()) {
    std::string_view text = n->as_string();
    std::from_chars(text.data(), text.data() + text.size(),
                    s.run_interval_minutes);
  }
  const json::value* b = Attr(item, "enabled", "BOOL");
  s.enabled = b != nullptr && b->is_bool() && b->as_bool();
  return s;
}

inline json::object ToJson(const Schedule& s) {
  return {{"username", s.username},
          {"id", s.id},
          {"algorithm", s.algorithm},
          {"apikey", s.apikey},
          {"input", s.input},
          {"run_interval_minutes", s.run_interval_minutes},
          {"enabled", s.enabled}};
}

// Every item of a Query or Scan, page after page.
inline std::vector<json::object> AllItems(const std::string& action,
                                          json::object request,
                                          const sdk::Context& ctx) {
  std::vector<json::object> items;
  while (true) {
    json::object page = sdk::CallJson(action, request, ctx);
    if (json::value* list = page.if_contains("Items");
        list != nullptr && list->is_array()) {
      for (json::value& item : list->as_array()) {
        if (item.is_object()) items.push_back(std::move(item.as_object()));
      }
    }
    json::value* last = page.if_contains("LastEvaluatedKey");
    if (last == nullptr || !last->is_object()) return items;
    request["ExclusiveStartKey"] = std::move(*last);
  }
}

// Sends `bodies` to `queue_url`, 10 a SendMessageBatch; throws
// SendFailed when the queue refuses any.
inline void SendAll(const std::string& queue_url,
                    const std::vector<std::string>& bodies,
                    const sdk::Context& ctx) {
  size_t refused = 0;
  for (size_t start = 0; start < bodies.size(); start += 10) {
    json::array entries;
    for (size_t i = start; i < std::min(bodies.size(), start + 10); ++i) {
      entries.push_back(
          json::object{{"Id", std::to_string(i)}, {"MessageBody", bodies[i]}});
    }
    json::object answer =
        sdk::CallJson("SendMessageBatch",
                      {{"QueueUrl", queue_url}, {"Entries", entries}}, ctx);
    if (const json::value* f = answer.if_contains("Failed");
        f != nullptr && f->is_array()) {
      refused += f->as_array().size();
    }
  }
  if (refused > 0) {
    throw sdk::Error("SendFailed", std::to_string(refused) + " of " +
                                       std::to_string(bodies.size()) +
                                       " messages were refused");
  }
}

// An HTTP API (payload format 2.0) answer with a JSON body.
inline std::string Reply(int status, const json::value& body) {
  return json::serialize(
      json::object{{"statusCode", status},
                   {"headers", {{"content-type", "application/json"}}},
                   {"body", json::serialize(body)}});
}

// The {username} of the route's path, or "".
inline std::string Username(const json::object& event) {
  const json::value* params = event.if_contains("pathParameters");
  const json::value* name = params != nullptr && params->is_object()
                                ? params->as_object().if_contains("username")
                                : nullptr;
  return name != nullptr && name->is_string() ? std::string(name->as_string())
                                              : "";
}

}  // namespace scheduler

#endif  // FANLAB_EXAMPLES_SCHEDULER_SCHEDULE_H_
