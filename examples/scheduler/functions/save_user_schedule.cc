// save-user-schedule: POST /user/{username}/schedules (HTTP API, payload
// format 2.0). The body is the seed's schedule:
//   {"algorithm": "rowell/Hello/0.2.0", "apikey": "sim...",
//    "input": "test input 123", "run_interval_minutes": 5,
//    "enabled": true}
// algorithm, apikey and input are strings, run_interval_minutes an integer
// from 1 to 1440, enabled a boolean (default true); other fields are
// ignored. A broken field answers 400 {"message"} naming it; a good body is
// stored (PutItem, id = the request id) and answered 201 with the schedule.
#include "schedule.h"

namespace {

using namespace scheduler;

std::string BadRequest(const std::string& message) {
  return Reply(400, json::object{{"message", message}});
}

std::string Save(const std::string& text, const sdk::Context& ctx) {
  json::object event = sdk::ParseObject(text, "The event");
  Schedule s;
  s.username = Username(event);
  s.id = ctx.request_id;
  if (s.username.empty()) return BadRequest("username must be in the path");
  const json::value* raw = event.if_contains("body");
  boost::system::error_code ec;
  json::value parsed;
  if (raw != nullptr && raw->is_string())
    parsed = json::parse(raw->as_string(), ec);
  if (ec || !parsed.is_object()) {
    return BadRequest("The body must be a JSON object");
  }
  const json::object& body = parsed.as_object();
  for (const char* name : {"algorithm", "apikey", "input"}) {
    const json::value* v = body.if_contains(name);
    if (v == nullptr || !v->is_string()) {
      return BadRequest(std::string(name) + " must be a string");
    }
  }
  s.algorithm = body.at("algorithm").as_string();
  s.apikey = body.at("apikey").as_string();
  s.input = body.at("input").as_string();
  const json::value* interval = body.if_contains("run_interval_minutes");
  if (interval == nullptr || !interval->is_int64() ||
      interval->as_int64() < 1 || interval->as_int64() > 1440) {
    return BadRequest("run_interval_minutes must be an integer from 1 to 1440");
  }
  s.run_interval_minutes = interval->as_int64();
  if (const json::value* enabled = body.if_contains("enabled");
      enabled != nullptr && !enabled->is_null()) {
    if (!enabled->is_bool()) return BadRequest("enabled must be true or false");
    s.enabled = enabled->as_bool();
  }
  sdk::CallJson("PutItem", {{"TableName", Table()}, {"Item", ToItem(s)}}, ctx);
  return Reply(201, ToJson(s));
}

}  // namespace

int main() { return sdk::Run(Save); }
