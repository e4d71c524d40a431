// fanlab-doparallel: DoParallel, fan-out/fan-in with a callback
// (the first seed workflow, README.md). The design is one web app behind API
// routes whose hops are HTTP calls through those routes; here each route is one
// role (argv[1]), and every role behind a route answers API Gateway's proxy
// response {statusCode, headers, body}:
//
//   job     POST /v1/job. Body {callback?, tasks: [{endpoint, params?}]}.
//           Creates the standard queue doparallel-<jobId> (jobId from the
//           request id), then POSTs each task to $DO_TASK_URL as JSON
//           {jobId, queueUrl, index, total, endpoint, params, callback},
//           waiting for each answer as the design does, with up to
//           $TASK_CONCURRENCY of them in flight at once (default 1: one
//           after the other). Answers 200 {"status":"Success","msg":"Job
//           Executed", jobId, queueUrl, tasks, failedTasks}. Bad input:
//           400 {"message": "...<field>..."}.
//   task    POST /v1/task (or an invoke with that JSON as the event).
//           Calls its endpoint: an http:// URL is POSTed the params as
//           JSON (result: the reply body, as JSON when it parses, else the
//           text); anything else is a function name invoked synchronously
//           with the params (result: its payload). Sends
//           {"status":"Complete","result":...} to the job queue with the
//           message attributes Task=<index>, Status=Complete, then reads
//           ApproximateNumberOfMessages and, when it equals total, POSTs
//           {jobId, queueUrl, total, callback} to $FINISH_JOB_URL. Answers
//           200 {"status":"Success","msg":"Task Executed", jobId, index,
//           count, finishCalled, finishStatus}.
//   finish  POST /v1/finish (or an invoke). Drains the job queue
//           (ReceiveMessage 10 at a time, then DeleteMessageBatch, until a
//           receive returns nothing), deletes it, and POSTs
//           {"status":"Success","msg":"Job Finished","result":{"<index>":
//           {"status","result"},...}} to the callback (none: no POST).
//           Answers 200 {"status":"Success","msg":"Job Finished", jobId,
//           received, tasks, callbackStatus}.
//   test    POST /v1/test: a task endpoint for trying DoParallel without
//           one of your own: 200 {"result": "true"} for a JSON body, 400
//           otherwise.
//   work    a task endpoint function: {"square": n*n} when the event has a
//           number "n", else {"echo": event}.
//
// Environment:
//   DO_TASK_URL       (job)   the task route's URL (${http}/v1/task)
//   FINISH_JOB_URL    (task)  the finish route's URL (${http}/v1/finish)
//   TASK_CONCURRENCY  (job)   task POSTs in flight at once; default 1
//   FAN_IN            (job)   "count" (the default: the design's check) or
//                             "claim" (the fixed variant: the job also
//                             creates doparallel-<jobId>-claim holding one
//                             token message; a task that sees the total
//                             calls finish only if it receives the token
//                             (and deletes it), so exactly one does;
//                             finish deletes both queues)
//   FANLAB_ENDPOINT   (all)   set by the emulator
//
// The completeness check is DoParallel's known weak spot and is kept as
// the design has it: messages in flight are not counted, two tasks can
// both read `total` and call two finishers (the second finds the queue
// gone: QueueDoesNotExist), a task run twice sends its message twice (the
// count passes `total` and no finisher is called). README.md has the
// details.
#include <fanlab/function.h>
#include <fanlab/json_client.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace {

namespace json = boost::json;
namespace sdk = fanlab::sdk;

constexpr const char kUsage[] =
    "usage: fanlab-doparallel job | task | finish | test | work\n";

// The most task POSTs the job keeps in flight (TASK_CONCURRENCY's cap).
constexpr int64_t kMaxTaskConcurrency = 256;

// A JSON text as a value, or the text itself as a string when it is not
// JSON (an empty text is null).
json::value JsonOrString(const std::string& text) {
  if (text.empty()) return nullptr;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return json::value(text);
  return v;
}

const json::value& Field(const json::object& o, const char* name) {
  static const json::value kNull;
  const json::value* v = o.if_contains(name);
  return v != nullptr ? *v : kNull;
}

std::string RequireString(const json::object& o, const char* name) {
  const json::value& v = Field(o, name);
  if (!v.is_string() || v.get_string().empty()) {
    throw sdk::Error("InvalidInput",
                     std::string(name) + " must be a non-empty string");
  }
  return std::string(v.get_string());
}

int64_t RequireInt(const json::object& o, const char* name) {
  const json::value& v = Field(o, name);
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= INT64_MAX) {
    return static_cast<int64_t>(v.get_uint64());
  }
  throw sdk::Error("InvalidInput", std::string(name) + " must be an integer");
}

// ------------------------------------------------------------ the routes

std::string GatewayReply(int status, const json::object& body) {
  return json::serialize(
      json::object{{"statusCode", status},
                   {"headers", {{"Content-Type", "application/json"}}},
                   {"body", json::serialize(body)}});
}

std::string BadRequest(std::string message) {
  return GatewayReply(400, {{"message", std::move(message)}});
}

// Whether the event is API Gateway's proxy event (REST or HTTP API).
bool IsRouteEvent(const json::object& event) {
  return event.contains("httpMethod") || event.contains("routeKey") ||
         event.contains("requestContext");
}

// The JSON object a route was POSTed, or the event itself when the role
// was invoked directly; nullopt (and `*error`) when the body is no JSON
// object.
std::optional<json::object> RoutePayload(const json::object& event,
                                         const std::string& what,
                                         std::string* error) {
  if (!IsRouteEvent(event)) return event;
  const json::value& body = Field(event, "body");
  if (!body.is_string() || Field(event, "isBase64Encoded") == true) {
    *error = "body must be a JSON object " + what;
    return std::nullopt;
  }
  boost::system::error_code ec;
  json::value parsed = json::parse(body.get_string(), ec);
  if (ec || !parsed.is_object()) {
    *error = "body must be a JSON object " + what;
    return std::nullopt;
  }
  return std::move(parsed.get_object());
}

// The most a call out of `ctx`'s invocation may wait, in ms.
int CallTimeoutMs(const sdk::Context& ctx) {
  return static_cast<int>(
      std::clamp<int64_t>(ctx.RemainingTimeMs(), 1, 15 * 60 * 1000));
}

// ------------------------------------------------------------------ job

// The job id: the request id with anything but [A-Za-z0-9_-] replaced by
// '-', cut so that "doparallel-<jobId>" fits SQS's 80 characters.
std::string JobId(const std::string& request_id) {
  std::string id = request_id.substr(0, 80 - std::strlen("doparallel-"));
  for (char& c : id) {
    const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!safe) c = '-';
  }
  return id.empty() ? "job" : id;
}

// POSTs each of `bodies` to `url` (http://host[:port]/path), `concurrency`
// at a time, each waiting for its answer; one kept-alive connection per
// request in flight. Returns how many got none or a status other than 200
// (each logged); a URL that is not http://host[:port]/path fails them all.
size_t PostEach(const std::string& url, const std::vector<std::string>& bodies,
                size_t concurrency, const sdk::Context& ctx) {
  std::string_view rest(url);
  std::string authority, target = "/";
  if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
    const size_t slash = rest.find('/');
    authority = rest.substr(0, slash);
    if (slash != std::string_view::npos) target = rest.substr(slash);
    if (authority.find(':') == std::string::npos || authority.back() == ']') {
      authority += ":80";
    }
  }
  if (!sdk::HttpConnection::FromAddress(authority)) {
    std::fprintf(stderr, "job: %s is not an http://host[:port]/path URL\n",
                 url.c_str());
    return bodies.size();
  }
  std::atomic<size_t> next{0};
  std::atomic<size_t> failed{0};
  auto post = [&] {
    sdk::HttpConnection connection =
        *sdk::HttpConnection::FromAddress(authority);
    for (size_t i = next++; i < bodies.size(); i = next++) {
      const sdk::HttpResult r = connection.Request(
          "POST", target, bodies[i], {{"Content-Type", "application/json"}},
          std::chrono::milliseconds(CallTimeoutMs(ctx)));
      if (!r.ok() || r.status != 200) {
        ++failed;
        std::fprintf(stderr, "job: task %zu: %s\n", i,
                     r.ok() ? ("HTTP " + std::to_string(r.status) + " " +
                               r.body.substr(0, 200))
                                  .c_str()
                            : r.error.c_str());
      }
    }
  };
  std::vector<std::thread> threads;
  for (size_t t = 1; t < std::min(concurrency, bodies.size()); ++t) {
    threads.emplace_back(post);
  }
  post();
  for (std::thread& t : threads) t.join();
  return failed;
}

std::string Job(const std::string& event_text, const sdk::Context& ctx) {
  const json::object event = sdk::ParseObject(event_text, "the event");
  std::string error;
  const std::optional<json::object> payload =
      RoutePayload(event, "{callback, tasks}", &error);
  if (!payload) return BadRequest(error);
  const json::object& request = *payload;

  // callback: an http:// URL, or absent/null for a job nobody waits on.
  const json::value& callback = Field(request, "callback");
  if (!callback.is_null() && (!callback.is_string() ||
                              !callback.get_string().starts_with("http://"))) {
    return BadRequest("callback must be an http:// URL string");
  }
  const json::value& tasks_value = Field(request, "tasks");
  if (!tasks_value.is_array() || tasks_value.get_array().empty()) {
    return BadRequest("tasks must be a non-empty array of {endpoint, params}");
  }
  const json::array& tasks = tasks_value.get_array();
  for (size_t i = 0; i < tasks.size(); ++i) {
    const std::string where = "tasks[" + std::to_string(i) + "]";
    if (!tasks[i].is_object()) {
      return BadRequest(where + " must be an object {endpoint, params}");
    }
    const json::value& endpoint = Field(tasks[i].get_object(), "endpoint");
    if (!endpoint.is_string() || endpoint.get_string().empty()) {
      return BadRequest(where +
                        ".endpoint must be a non-empty string (an http:// URL "
                        "or a function name)");
    }
  }
  const std::string task_url = sdk::EnvOr("DO_TASK_URL");
  if (task_url.empty()) {
    return GatewayReply(500,
                        {{"status", "Error"}, {"msg", "DO_TASK_URL not set."}});
  }
  const std::string concurrency_text = sdk::EnvOr("TASK_CONCURRENCY", "1");
  const int64_t concurrency = std::atoll(concurrency_text.c_str());
  if (concurrency < 1 || concurrency > kMaxTaskConcurrency) {
    throw sdk::Error("InvalidConfiguration",
                     "TASK_CONCURRENCY must be an integer from 1 to " +
                         std::to_string(kMaxTaskConcurrency) + ", not '" +
                         concurrency_text + "'");
  }

  const std::string fan_in = sdk::EnvOr("FAN_IN", "count");
  if (fan_in != "count" && fan_in != "claim") {
    throw sdk::Error("InvalidConfiguration",
                     "FAN_IN must be count or claim, not '" + fan_in + "'");
  }

  const std::string job_id = JobId(ctx.request_id);
  const json::object created = sdk::CallJson(
      "CreateQueue", {{"QueueName", "doparallel-" + job_id}}, ctx);
  const std::string queue_url(Field(created, "QueueUrl").as_string());

  // One request per task: the shared fields, then its index, endpoint and
  // params.
  json::object common{{"jobId", job_id},
                      {"queueUrl", queue_url},
                      {"total", tasks.size()},
                      {"callback", callback}};
  if (fan_in == "claim") {
    // The finish token: one message, which one receive takes for good.
    const std::string claim_name =
        "doparallel-" + job_id.substr(0, 80 - 17) + "-claim";
    const json::object claim =
        sdk::CallJson("CreateQueue",
                      {{"QueueName", claim_name},
                       {"Attributes", {{"VisibilityTimeout", "43200"}}}},
                      ctx);
    const std::string claim_url(Field(claim, "QueueUrl").as_string());
    sdk::CallJson("SendMessage",
                  {{"QueueUrl", claim_url}, {"MessageBody", "finish"}}, ctx);
    common["claimUrl"] = claim_url;
  }
  std::vector<std::string> bodies;
  bodies.reserve(tasks.size());
  for (size_t i = 0; i < tasks.size(); ++i) {
    const json::object& task = tasks[i].get_object();
    const json::value* params = task.if_contains("params");
    json::object task_request = common;
    task_request["index"] = i;
    task_request["endpoint"] = task.at("endpoint");
    task_request["params"] = params != nullptr ? *params : json::object();
    bodies.push_back(json::serialize(task_request));
  }
  const size_t failed =
      PostEach(task_url, bodies, static_cast<size_t>(concurrency), ctx);
  return GatewayReply(200, {{"status", "Success"},
                            {"msg", "Job Executed"},
                            {"jobId", job_id},
                            {"queueUrl", queue_url},
                            {"tasks", tasks.size()},
                            {"failedTasks", failed}});
}

// ----------------------------------------------------------------- task

// Calls the task's endpoint and returns its result.
json::value CallEndpoint(const std::string& endpoint, const json::value& params,
                         const sdk::Context& ctx) {
  const std::string params_text = json::serialize(params);
  if (endpoint.starts_with("http://")) {
    sdk::HttpResult r = sdk::HttpPost(endpoint, params_text,
                                      {{"Content-Type", "application/json"}},
                                      CallTimeoutMs(ctx));
    if (!r.ok()) throw sdk::Error("EndpointFailed", endpoint + ": " + r.error);
    return JsonOrString(r.body);
  }
  const json::object answer =
      sdk::CallJson("Invoke",
                    {{"FunctionName", endpoint},
                     {"InvocationType", "RequestResponse"},
                     {"Payload", params_text}},
                    ctx);
  const json::value& payload = Field(answer, "Payload");
  const std::string payload_text =
      payload.is_string() ? std::string(payload.get_string()) : "";
  if (answer.contains("FunctionError")) {
    throw sdk::Error("EndpointFailed",
                     "function " + endpoint + " failed: " + payload_text);
  }
  return JsonOrString(payload_text);
}

std::string Task(const std::string& event_text, const sdk::Context& ctx) {
  std::string error;
  const std::optional<json::object> payload = RoutePayload(
      sdk::ParseObject(event_text, "the event"),
      "{jobId, queueUrl, index, total, endpoint, params, callback}", &error);
  if (!payload) return BadRequest(error);
  const json::object& event = *payload;
  std::string job_id, queue_url, endpoint;
  int64_t index = 0, total = 0;
  try {
    job_id = RequireString(event, "jobId");
    queue_url = RequireString(event, "queueUrl");
    endpoint = RequireString(event, "endpoint");
    index = RequireInt(event, "index");
    total = RequireInt(event, "total");
  } catch (const sdk::Error& e) {
    return BadRequest(e.message());
  }
  const std::string finish_url = sdk::RequiredEnv("FINISH_JOB_URL");

  const json::value result =
      CallEndpoint(endpoint, Field(event, "params"), ctx);

  sdk::CallJson(
      "SendMessage",
      {{"QueueUrl", queue_url},
       {"MessageBody", json::serialize(json::object{{"status", "Complete"},
                                                    {"result", result}})},
       {"MessageAttributes",
        {{"Task",
          {{"DataType", "String"}, {"StringValue", std::to_string(index)}}},
         {"Status", {{"DataType", "String"}, {"StringValue", "Complete"}}}}}},
      ctx);

  // The completeness check, as DoParallel has it (the weak spot).
  const json::value& claim = Field(event, "claimUrl");
  json::object attributes;
  try {
    attributes = sdk::CallJson(
        "GetQueueAttributes",
        {{"QueueUrl", queue_url},
         {"AttributeNames", json::array{"ApproximateNumberOfMessages"}}},
        ctx);
  } catch (const sdk::ServiceError& e) {
    // The fixed variant: a queue already gone was finished by another.
    if (!claim.is_string() || e.type() != "QueueDoesNotExist") throw;
    attributes = {{"Attributes", {{"ApproximateNumberOfMessages", "-1"}}}};
  }
  const json::value* count_value = nullptr;
  if (const json::value* a = attributes.if_contains("Attributes");
      a != nullptr && a->is_object()) {
    count_value = a->get_object().if_contains("ApproximateNumberOfMessages");
  }
  if (count_value == nullptr || !count_value->is_string()) {
    throw sdk::Error(
        "GetQueueAttributesFailed",
        "no ApproximateNumberOfMessages in " + json::serialize(attributes));
  }
  const int64_t count =
      std::strtoll(count_value->get_string().c_str(), nullptr, 10);
  bool finishing = count == total;
  if (finishing && claim.is_string()) {
    // The fixed variant: of the tasks that see the total, the one that
    // receives the token finishes.
    const json::object got =
        sdk::CallJson("ReceiveMessage",
                      {{"QueueUrl", claim}, {"MaxNumberOfMessages", 1}}, ctx);
    const json::value* messages = got.if_contains("Messages");
    finishing = messages != nullptr && messages->is_array() &&
                !messages->get_array().empty();
    if (finishing) {
      // Taken for good: nobody else can receive it.
      sdk::CallJson(
          "DeleteMessage",
          {{"QueueUrl", claim},
           {"ReceiptHandle",
            Field(messages->get_array()[0].as_object(), "ReceiptHandle")}},
          ctx);
    }
  }
  int finish_status = 0;
  if (finishing) {
    // The design's notify_manager: a POST to the finish route, waited on.
    json::object finish{{"jobId", job_id},
                        {"queueUrl", queue_url},
                        {"total", total},
                        {"callback", Field(event, "callback")}};
    if (claim.is_string()) finish["claimUrl"] = claim;
    const sdk::HttpResult r = sdk::HttpPost(
        finish_url, json::serialize(finish),
        {{"Content-Type", "application/json"}}, CallTimeoutMs(ctx));
    if (!r.ok()) throw sdk::Error("FinishFailed", finish_url + ": " + r.error);
    finish_status = r.status;
  }
  return GatewayReply(200, {{"status", "Success"},
                            {"msg", "Task Executed"},
                            {"jobId", job_id},
                            {"index", index},
                            {"count", count},
                            {"finishCalled", finishing},
                            {"finishStatus", finish_status}});
}

// --------------------------------------------------------------- finish

// "12" as 12, for ordering the result's keys by task index; anything else
// after every number.
int64_t IndexOrder(const std::string& key) {
  char* end = nullptr;
  const long long n = std::strtoll(key.c_str(), &end, 10);
  return !key.empty() && *end == '\0' ? n : INT64_MAX;
}

std::string Finish(const std::string& event_text, const sdk::Context& ctx) {
  std::string error;
  const std::optional<json::object> payload =
      RoutePayload(sdk::ParseObject(event_text, "the event"),
                   "{jobId, queueUrl, total, callback}", &error);
  if (!payload) return BadRequest(error);
  const json::object& event = *payload;
  std::string job_id, queue_url;
  try {
    job_id = RequireString(event, "jobId");
    queue_url = RequireString(event, "queueUrl");
  } catch (const sdk::Error& e) {
    return BadRequest(e.message());
  }
  const json::value& callback = Field(event, "callback");

  // Drain: receive 10, delete them, until a receive brings nothing.
  std::vector<std::pair<std::string, json::value>> results;
  int64_t received = 0;
  while (true) {
    const json::object got =
        sdk::CallJson("ReceiveMessage",
                      {{"QueueUrl", queue_url},
                       {"MaxNumberOfMessages", 10},
                       {"MessageAttributeNames", json::array{"All"}},
                       {"WaitTimeSeconds", 0}},
                      ctx);
    const json::value* messages = got.if_contains("Messages");
    if (messages == nullptr || !messages->is_array() ||
        messages->get_array().empty()) {
      break;
    }
    json::array entries;
    for (const json::value& m : messages->get_array()) {
      const json::object& message = m.as_object();
      std::string task;
      if (const json::value* attrs = message.if_contains("MessageAttributes");
          attrs != nullptr && attrs->is_object()) {
        if (const json::value* t = attrs->get_object().if_contains("Task");
            t != nullptr && t->is_object()) {
          const json::value& v = Field(t->get_object(), "StringValue");
          if (v.is_string()) task = std::string(v.get_string());
        }
      }
      const json::value& body = Field(message, "Body");
      json::value value =
          JsonOrString(body.is_string() ? std::string(body.get_string()) : "");
      auto same = std::find_if(results.begin(), results.end(),
                               [&](const auto& r) { return r.first == task; });
      if (same != results.end()) {
        same->second = std::move(value);  // a duplicate task: the last wins
      } else {
        results.emplace_back(task, std::move(value));
      }
      entries.push_back({{"Id", std::to_string(entries.size())},
                         {"ReceiptHandle", Field(message, "ReceiptHandle")}});
      ++received;
    }
    sdk::CallJson("DeleteMessageBatch",
                  {{"QueueUrl", queue_url}, {"Entries", std::move(entries)}},
                  ctx);
  }
  sdk::CallJson("DeleteQueue", {{"QueueUrl", queue_url}}, ctx);
  if (const json::value& claim = Field(event, "claimUrl"); claim.is_string()) {
    sdk::CallJson("DeleteQueue", {{"QueueUrl", claim}}, ctx);
  }

  std::stable_sort(results.begin(), results.end(),
                   [](const auto& a, const auto& b) {
                     return IndexOrder(a.first) < IndexOrder(b.first);
                   });
  json::object result;
  for (auto& [task, value] : results) result[task] = std::move(value);
  const size_t tasks = result.size();
  int callback_status = 0;
  if (callback.is_string() && !callback.get_string().empty()) {
    const std::string url(callback.get_string());
    sdk::HttpResult r = sdk::HttpPost(
        url,
        json::serialize(json::object{{"status", "Success"},
                                     {"msg", "Job Finished"},
                                     {"result", std::move(result)}}),
        {{"Content-Type", "application/json"}}, CallTimeoutMs(ctx));
    if (!r.ok()) throw sdk::Error("CallbackFailed", url + ": " + r.error);
    callback_status = r.status;
  }
  return GatewayReply(200, {{"status", "Success"},
                            {"msg", "Job Finished"},
                            {"jobId", job_id},
                            {"received", received},
                            {"tasks", tasks},
                            {"callbackStatus", callback_status}});
}

// ----------------------------------------------------------------- test

// The design's /v1/test: a JSON body that is not empty or false (null,
// false, 0, "", {}, [] are refused, as the design's truth test refuses
// them) answers {"result": "true"}.
std::string Test(const std::string& event_text, const sdk::Context&) {
  const json::object event = sdk::ParseObject(event_text, "the event");
  const json::value& body = Field(event, "body");
  boost::system::error_code ec;
  json::value v;
  if (body.is_string()) v = json::parse(body.get_string(), ec);
  const bool empty = !body.is_string() || ec || v.is_null() || v == false ||
                     (v.is_number() && v.to_number<double>() == 0) ||
                     (v.is_string() && v.get_string().empty()) ||
                     (v.is_object() && v.get_object().empty()) ||
                     (v.is_array() && v.get_array().empty());
  if (empty) return BadRequest("body must be JSON, not empty or false");
  return GatewayReply(200, {{"result", "true"}});
}

// ----------------------------------------------------------------- work

std::string Work(const std::string& event_text, const sdk::Context&) {
  boost::system::error_code ec;
  json::value event = json::parse(event_text, ec);
  if (ec) throw sdk::Error("InvalidInput", "the event is not JSON");
  if (event.is_object()) {
    const json::value& n = Field(event.get_object(), "n");
    // An integer whose square fits answers an integer; any other number
    // a double.
    if (n.is_int64() && n.get_int64() > -3037000500 &&
        n.get_int64() < 3037000500) {
      const int64_t v = n.get_int64();
      return json::serialize(json::object{{"square", v * v}});
    }
    if (n.is_number()) {
      const double v = n.to_number<double>();
      return json::serialize(json::object{{"square", v * v}});
    }
  }
  return json::serialize(json::object{{"echo", std::move(event)}});
}

}  // namespace

int main(int argc, char** argv) {
  const std::string role = argc == 2 ? argv[1] : "";
  sdk::Handler handler;
  if (role == "job") {
    handler = Job;
  } else if (role == "task") {
    handler = Task;
  } else if (role == "finish") {
    handler = Finish;
  } else if (role == "test") {
    handler = Test;
  } else if (role == "work") {
    handler = Work;
  } else {
    std::fputs(kUsage, stderr);
    return 2;
  }
  return sdk::Run(handler);
}
