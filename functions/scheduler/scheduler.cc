// fanlab-scheduler: the scheduler (the fifth seed workflow): schedules
// kept in a table, a cron tick that sends the due ones to a job queue, a
// runner that calls the algorithm and sends its answer to a result queue.
// One executable; the role is argv[1]:
//
//   fanlab-scheduler api        behind POST and GET /user/{username}/schedules
//     (API Gateway's REST proxy event, answers {statusCode, headers, body})
//     POST body: what the scheduler's own Schedule record accepts, no more
//     and no less: {"algorithm": string, "apikey": string, "input": string,
//     "run_interval_minutes": 0..4294967295, "enabled"?: bool or null
//     (default true), "id"?: UUID or null, "username"?: string or null
//     (both replaced)}, other fields ignored; a broken one answers 400
//     {"message"} naming it. PutItem $SCHEDULES_TABLE {username, id,
//     algorithm, apikey, input, run_interval_minutes, enabled} with id =
//     the request id, 201 with the schedule. GET: 200 with the user's
//     schedules (Query).
//   fanlab-scheduler scheduler  target of cron(0/1 * * * ? *)
//     The minute of the Scheduled Event's "time"; Scan for enabled rows;
//     each due one (minute % run_interval_minutes == 0; interval 0 never)
//     goes to $JOB_QUEUE_URL as {username, id, algorithm, apikey, input,
//     scheduledFor: <time>}.
//   fanlab-scheduler runner     SQS event source mapping on the job queue
//     For each record: Invoke the algorithm's function (RequestResponse)
//     with {input, apikey}, then SendMessageBatch {scheduleId, username,
//     algorithm, scheduledFor, output} to $RESULT_QUEUE_URL. The function
//     is $ALGORITHM_PREFIX + the algorithm with every character outside
//     [A-Za-z0-9_-] made '-' ("rowell/Hello/0.2.0" -> algorithm-rowell-
//     Hello-0-2-0). Records whose algorithm failed are answered as
//     batchItemFailures (the mapping needs FunctionResponseTypes
//     ["ReportBatchItemFailures"]); when every record failed the invocation
//     throws, so the batch returns either way.
//   fanlab-scheduler algorithm  an emulated algorithm
//     input text holding a JSON {"numbers": [...]} -> {"sum", "count"}; any
//     other input -> {"echo": input}; a "numbers" list holding a
//     non-number is an error.
//
// Environment (defaults in brackets): SCHEDULES_TABLE [Schedules],
// JOB_QUEUE_URL, RESULT_QUEUE_URL, ALGORITHM_PREFIX [algorithm-].
// functions/scheduler/README.md has the resources and what a scenario sees.
#include <fanlab/function.h>
#include <fanlab/json_client.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace json = boost::json;
namespace sdk = fanlab::sdk;

// ---- The table's rows ----------------------------------------------------

// A schedule as the API shows it and the table keeps it.
struct Schedule {
  std::string username;
  std::string id;
  std::string algorithm;
  std::string apikey;
  std::string input;  // text, handed to the algorithm as it is
  int64_t run_interval_minutes = 0;
  bool enabled = false;
};

json::object ToItem(const Schedule& s) {
  return {
      {"username", {{"S", s.username}}},
      {"id", {{"S", s.id}}},
      {"algorithm", {{"S", s.algorithm}}},
      {"apikey", {{"S", s.apikey}}},
      {"input", {{"S", s.input}}},
      {"run_interval_minutes", {{"N", std::to_string(s.run_interval_minutes)}}},
      {"enabled", {{"BOOL", s.enabled}}}};
}

// The attribute `name` of type `type` ("S", "N", "BOOL"), or null.
const json::value* Attr(const json::object& item, std::string_view name,
                        std::string_view type) {
  const json::value* a = item.if_contains(name);
  if (a == nullptr || !a->is_object()) return nullptr;
  return a->as_object().if_contains(type);
}

std::string StringAttr(const json::object& item, std::string_view name) {
  const json::value* v = Attr(item, name, "S");
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : "";
}

// A row back as a Schedule; a row written by hand may lack fields, which
// read as empty, 0 and false.
Schedule FromItem(const json::object& item) {
  Schedule s;
  s.username = StringAttr(item, "username");
  s.id = StringAttr(item, "id");
  s.algorithm = StringAttr(item, "algorithm");
  s.apikey = StringAttr(item, "apikey");
  s.input = StringAttr(item, "input");
  if (const json::value* n = Attr(item, "run_interval_minutes", "N");
      n != nullptr && n->is_string()) {
    const std::string_view text = n->as_string();
    std::from_chars(text.data(), text.data() + text.size(),
                    s.run_interval_minutes);
  }
  if (const json::value* b = Attr(item, "enabled", "BOOL");
      b != nullptr && b->is_bool()) {
    s.enabled = b->as_bool();
  }
  return s;
}

json::object ToJson(const Schedule& s) {
  return {{"username", s.username},
          {"id", s.id},
          {"algorithm", s.algorithm},
          {"apikey", s.apikey},
          {"input", s.input},
          {"run_interval_minutes", s.run_interval_minutes},
          {"enabled", s.enabled}};
}

// Every item a Query or Scan request returns, page after page.
std::vector<json::object> AllItems(const std::string& action,
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

// Sends `bodies` to `queue_url` 10 at a time; returns the indexes of the
// bodies the queue refused (SendMessageBatch's Failed entries).
std::vector<size_t> SendAll(const std::string& queue_url,
                            const std::vector<std::string>& bodies,
                            const sdk::Context& ctx) {
  std::vector<size_t> failed;
  for (size_t start = 0; start < bodies.size(); start += 10) {
    json::array entries;
    for (size_t i = start; i < std::min(bodies.size(), start + 10); ++i) {
      entries.push_back(
          json::object{{"Id", std::to_string(i)}, {"MessageBody", bodies[i]}});
    }
    const json::object answer =
        sdk::CallJson("SendMessageBatch",
                      {{"QueueUrl", queue_url}, {"Entries", entries}}, ctx);
    if (const json::value* f = answer.if_contains("Failed");
        f != nullptr && f->is_array()) {
      for (const json::value& entry : f->as_array()) {
        std::fprintf(stderr, "SendMessageBatch refused entry: %s\n",
                     json::serialize(entry).c_str());
        const json::value* id =
            entry.is_object() ? entry.as_object().if_contains("Id") : nullptr;
        if (id != nullptr && id->is_string()) {
          failed.push_back(std::stoul(std::string(id->as_string())));
        }
      }
    }
  }
  return failed;
}

// ---- api -----------------------------------------------------------------

std::string Reply(int status, const json::value& body) {
  return json::serialize(
      json::object{{"statusCode", status},
                   {"headers", {{"Content-Type", "application/json"}}},
                   {"body", json::serialize(body)}});
}

std::string BadRequest(const std::string& message) {
  return Reply(400, json::object{{"message", message}});
}

// The function that runs `algorithm`: ALGORITHM_PREFIX + the name with
// every character Lambda refuses in a function name made '-'. A name that
// comes out longer than Lambda's 64 characters is refused by the Invoke.
std::string AlgorithmFunction(std::string_view algorithm) {
  std::string name = sdk::EnvOr("ALGORITHM_PREFIX", "algorithm-");
  for (char c : algorithm) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '-' || c == '_';
    name.push_back(ok ? c : '-');
  }
  return name;
}

// A UUID as text: 8-4-4-4-12 hexadecimal digits, or the 32 digits alone.
bool IsUuid(std::string_view s) {
  const bool hyphenated = s.size() == 36;
  if (!hyphenated && s.size() != 32) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (hyphenated && (i == 8 || i == 13 || i == 18 || i == 23)) {
      if (s[i] != '-') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(s[i]))) {
      return false;
    }
  }
  return true;
}

std::string CreateSchedule(const std::string& username,
                           const json::value& body_text,
                           const sdk::Context& ctx) {
  if (!body_text.is_string()) {
    return BadRequest("The body must be a JSON object");
  }
  boost::system::error_code ec;
  json::value parsed = json::parse(body_text.as_string(), ec);
  if (ec || !parsed.is_object()) {
    return BadRequest("The body must be a JSON object");
  }
  const json::object& body = parsed.as_object();
  Schedule s;
  s.username = username;
  s.id = ctx.request_id;

  // The scheduler's Schedule record: three required strings, a required
  // unsigned 32-bit interval, an optional flag, and an optional id and
  // username that the path and the request replace. Anything else is
  // ignored.
  for (const char* name : {"algorithm", "apikey", "input"}) {
    const json::value* v = body.if_contains(name);
    if (v == nullptr || !v->is_string()) {
      return BadRequest(std::string(name) + " must be a string");
    }
  }
  s.algorithm = body.at("algorithm").as_string();
  s.apikey = body.at("apikey").as_string();
  s.input = body.at("input").as_string();
  // An integer: 5 is, 5.0, "5" and -1 are not (nor anything past 2^32 - 1).
  const json::value* interval = body.if_contains("run_interval_minutes");
  if (interval == nullptr || !interval->is_number() || interval->is_double() ||
      (interval->is_int64() &&
       (interval->as_int64() < 0 || interval->as_int64() > 4294967295)) ||
      (interval->is_uint64() && interval->as_uint64() > 4294967295u)) {
    return BadRequest(
        "run_interval_minutes must be an integer from 0 to 4294967295");
  }
  s.run_interval_minutes = interval->to_number<int64_t>();
  s.enabled = true;
  if (const json::value* enabled = body.if_contains("enabled");
      enabled != nullptr && !enabled->is_null()) {
    if (!enabled->is_bool()) {
      return BadRequest("enabled must be true, false or null");
    }
    s.enabled = enabled->as_bool();
  }
  if (const json::value* id = body.if_contains("id");
      id != nullptr && !id->is_null() &&
      (!id->is_string() || !IsUuid(id->as_string()))) {
    return BadRequest("id must be a UUID or null (it is replaced)");
  }
  if (const json::value* name = body.if_contains("username");
      name != nullptr && !name->is_null() && !name->is_string()) {
    return BadRequest("username must be a string or null (it is replaced)");
  }

  sdk::CallJson("PutItem",
                {{"TableName", sdk::EnvOr("SCHEDULES_TABLE", "Schedules")},
                 {"Item", ToItem(s)}},
                ctx);
  return Reply(201, ToJson(s));
}

std::string ListSchedules(const std::string& username,
                          const sdk::Context& ctx) {
  const std::vector<json::object> items =
      AllItems("Query",
               {{"TableName", sdk::EnvOr("SCHEDULES_TABLE", "Schedules")},
                {"KeyConditionExpression", "#u = :u"},
                {"ExpressionAttributeNames", {{"#u", "username"}}},
                {"ExpressionAttributeValues", {{":u", {{"S", username}}}}}},
               ctx);
  json::array schedules;
  for (const json::object& item : items) {
    schedules.push_back(ToJson(FromItem(item)));
  }
  return Reply(200, schedules);
}

std::string Api(const std::string& event_text, const sdk::Context& ctx) {
  const json::object event = sdk::ParseObject(event_text, "The event");
  const json::value* method = event.if_contains("httpMethod");
  const json::value* params = event.if_contains("pathParameters");
  const json::value* username =
      params != nullptr && params->is_object()
          ? params->as_object().if_contains("username")
          : nullptr;
  if (username == nullptr || !username->is_string() ||
      username->as_string().empty()) {
    return BadRequest("username must be in the path");
  }
  const std::string user(username->as_string());
  if (method != nullptr && *method == "POST") {
    const json::value* body = event.if_contains("body");
    return CreateSchedule(user, body != nullptr ? *body : json::value(), ctx);
  }
  if (method != nullptr && *method == "GET") return ListSchedules(user, ctx);
  return Reply(405, json::object{{"message", "Use GET or POST"}});
}

// ---- scheduler -----------------------------------------------------------

// The minute of an ISO 8601 time ("2026-01-01T00:15:00Z" -> 15), or -1.
int MinuteOf(std::string_view time) {
  const size_t t = time.find('T');
  if (t == std::string_view::npos || time.size() < t + 6 ||
      time[t + 3] != ':') {
    return -1;
  }
  const char tens = time[t + 4], ones = time[t + 5];
  if (tens < '0' || tens > '5' || ones < '0' || ones > '9') return -1;
  return (tens - '0') * 10 + (ones - '0');
}

std::string Scheduler(const std::string& event_text, const sdk::Context& ctx) {
  const json::object event = sdk::ParseObject(event_text, "The event");
  const json::value* time = event.if_contains("time");
  const int minute =
      time != nullptr && time->is_string() ? MinuteOf(time->as_string()) : -1;
  if (minute < 0) {
    throw sdk::Error("InvalidInput",
                     "time must be an ISO 8601 time (a Scheduled Event's)");
  }
  const std::string scheduled_for(time->as_string());
  const std::string queue_url = sdk::RequiredEnv("JOB_QUEUE_URL");

  const std::vector<json::object> items =
      AllItems("Scan",
               {{"TableName", sdk::EnvOr("SCHEDULES_TABLE", "Schedules")},
                {"FilterExpression", "#e = :t"},
                {"ExpressionAttributeNames", {{"#e", "enabled"}}},
                {"ExpressionAttributeValues", {{":t", {{"BOOL", true}}}}}},
               ctx);
  std::vector<std::string> bodies;
  for (const json::object& item : items) {
    const Schedule s = FromItem(item);
    if (s.run_interval_minutes < 1) {
      // Interval 0 never divides a minute: skipped, and said so every tick.
      std::fprintf(stderr, "scheduler: skipping %s/%s: interval 0\n",
                   s.username.c_str(), s.id.c_str());
      continue;
    }
    if (minute % s.run_interval_minutes != 0) continue;
    bodies.push_back(
        json::serialize(json::object{{"username", s.username},
                                     {"id", s.id},
                                     {"algorithm", s.algorithm},
                                     {"apikey", s.apikey},
                                     {"input", s.input},
                                     {"scheduledFor", scheduled_for}}));
  }
  const std::vector<size_t> failed = SendAll(queue_url, bodies, ctx);
  if (!failed.empty()) {
    // The tick fails; its asynchronous retry sends every due schedule
    // again, those that went through included.
    throw sdk::Error("SendFailed", std::to_string(failed.size()) + " of " +
                                       std::to_string(bodies.size()) +
                                       " jobs were refused by the job queue");
  }
  return json::serialize(json::object{{"time", scheduled_for},
                                      {"minute", minute},
                                      {"enabled", items.size()},
                                      {"sent", bodies.size()}});
}

// ---- runner --------------------------------------------------------------

std::string Runner(const std::string& event_text, const sdk::Context& ctx) {
  const json::object event = sdk::ParseObject(event_text, "The event");
  const json::value* records = event.if_contains("Records");
  if (records == nullptr || !records->is_array()) {
    throw sdk::Error("InvalidInput", "Records must be a list");
  }
  const std::string result_queue = sdk::RequiredEnv("RESULT_QUEUE_URL");

  json::array failures;
  std::vector<std::string> ids;  // messageIds of the results to send
  std::vector<std::string> results;
  for (const json::value& r : records->as_array()) {
    const json::object& record = r.as_object();
    const std::string message_id(record.at("messageId").as_string());
    // Any failure of this record: logged, reported, and the next record.
    auto fail = [&](const std::string& why) {
      std::fprintf(stderr, "runner: message %s failed: %s\n",
                   message_id.c_str(), why.c_str());
      failures.push_back(json::object{{"itemIdentifier", message_id}});
    };
    boost::system::error_code ec;
    json::value body = json::parse(record.at("body").as_string(), ec);
    const json::object* job =
        !ec && body.is_object() ? &body.as_object() : nullptr;
    const json::value* algorithm =
        job != nullptr ? job->if_contains("algorithm") : nullptr;
    if (algorithm == nullptr || !algorithm->is_string()) {
      fail("the body is not a job with an algorithm");
      continue;
    }
    auto field = [&](const char* name) {
      const json::value* v = job->if_contains(name);
      return v != nullptr ? *v : json::value();
    };
    json::object answer;
    try {
      answer = sdk::CallJson(
          "Invoke",
          {{"FunctionName", AlgorithmFunction(algorithm->as_string())},
           {"InvocationType", "RequestResponse"},
           {"Payload",
            {{"input", field("input")}, {"apikey", field("apikey")}}}},
          ctx);
    } catch (const sdk::ServiceError& e) {  // no such function, throttled
      fail(e.type() + ": " + e.message());
      continue;
    }
    const json::value* payload = answer.if_contains("Payload");
    json::value output;
    if (payload != nullptr && payload->is_string()) {
      output = json::parse(payload->as_string(), ec);
    }
    if (answer.contains("FunctionError") || payload == nullptr || ec) {
      fail("the algorithm failed: " +
           (payload != nullptr ? json::serialize(*payload) : "no payload"));
      continue;
    }
    ids.push_back(message_id);
    results.push_back(
        json::serialize(json::object{{"scheduleId", field("id")},
                                     {"username", field("username")},
                                     {"algorithm", *algorithm},
                                     {"scheduledFor", field("scheduledFor")},
                                     {"output", std::move(output)}}));
  }
  for (size_t i : SendAll(result_queue, results, ctx)) {
    failures.push_back(json::object{{"itemIdentifier", ids[i]}});
  }
  if (!records->as_array().empty() &&
      failures.size() == records->as_array().size()) {
    // Nothing succeeded: failing the invocation returns the whole batch
    // whether or not the mapping reports batch item failures.
    throw sdk::Error(
        "AllRecordsFailed",
        "None of the " + std::to_string(failures.size()) +
            " jobs of the batch ran: " + json::serialize(failures));
  }
  return json::serialize(
      json::object{{"batchItemFailures", std::move(failures)}});
}

// ---- algorithm -----------------------------------------------------------

std::string Algorithm(const std::string& event_text, const sdk::Context&) {
  boost::system::error_code ec;
  json::value event = json::parse(event_text, ec);
  if (ec) throw sdk::Error("InvalidInput", "The event must be JSON");
  json::value input = event;
  if (event.is_object() && event.as_object().contains("input")) {
    input = event.at("input");
  }
  // The schedules' input is text; text holding JSON is read as that JSON.
  json::value parsed_input;
  if (input.is_string()) {
    parsed_input = json::parse(input.as_string(), ec);
    if (ec) parsed_input = nullptr;
  }
  const json::value& data = input.is_string() ? parsed_input : input;
  const json::value* numbers =
      data.is_object() ? data.as_object().if_contains("numbers") : nullptr;
  if (numbers == nullptr || !numbers->is_array()) {
    return json::serialize(json::object{{"echo", std::move(input)}});
  }
  // Exact while every number is an integer and the sum fits in 64 bits.
  int64_t exact = 0;
  bool integral = true;
  double sum = 0;
  const json::array& list = numbers->as_array();
  for (size_t i = 0; i < list.size(); ++i) {
    const json::value& n = list[i];
    if (!n.is_number()) {
      throw sdk::Error("InvalidInput", "input.numbers[" + std::to_string(i) +
                                           "] is not a number");
    }
    sum += n.to_number<double>();
    if (integral && n.is_int64()) {
      integral = !__builtin_add_overflow(exact, n.as_int64(), &exact);
    } else {
      integral = false;
    }
  }
  json::object out;
  if (integral) {
    out["sum"] = exact;
  } else {
    out["sum"] = sum;
  }
  out["count"] = list.size();
  return json::serialize(out);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string role = argc > 1 ? argv[1] : "";
  sdk::Handler handler;
  if (role == "api") {
    handler = Api;
  } else if (role == "scheduler") {
    handler = Scheduler;
  } else if (role == "runner") {
    handler = Runner;
  } else if (role == "algorithm") {
    handler = Algorithm;
  } else {
    std::fprintf(stderr,
                 "usage: fanlab-scheduler api|scheduler|runner|algorithm\n");
    return 2;
  }
  return sdk::Run(handler);
}
