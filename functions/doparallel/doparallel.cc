// fanlab-doparallel: DoParallel, fan-out/fan-in with a callback
// (DESIGN.md §1.1). One executable; argv[1] picks the function:
//
//   job     behind the route POST /v1/job (API Gateway proxy event).
//           Body {callback?, tasks: [{endpoint, params?}, ...]}. Creates
//           the standard queue doparallel-<jobId> (jobId from the request
//           id), invokes $TASK_FUNCTION once per task (InvocationType
//           Event) with {jobId, queueUrl, index, total, endpoint, params,
//           callback, finishFunction}, answers 202 {jobId, queueUrl, tasks}.
//           Bad input answers 400 {"message": "...<field>..."}.
//   task    calls its endpoint: an http:// URL is POSTed the params as JSON
//           (result: the reply body, as JSON when it parses, else the
//           text); anything else is a function name invoked synchronously
//           with the params (result: its payload). Sends
//           {"status":"Complete","result":...} to the job queue with the
//           message attributes Task=<index>, Status=Complete, then reads
//           ApproximateNumberOfMessages and, when it equals total, invokes
//           finishFunction (Event) with {jobId, queueUrl, total, callback}.
//   finish  drains the job queue (ReceiveMessage 10 at a time, then
//           DeleteMessageBatch, until a receive returns nothing), deletes
//           it, and POSTs {"status":"Success","msg":"Job Finished",
//           "result":{"<index>":{"status","result"},...}} to the callback
//           (none: no POST).
//   work    a task endpoint function: {"square": n*n} when the event has a
//           number "n", else {"echo": event}.
//
// Environment:
//   TASK_FUNCTION    (job)  the task function's name; default "task"
//   FINISH_FUNCTION  (job)  the finish function's name, passed to each task
//                           as finishFunction; default "finish"
//   FANLAB_ENDPOINT  (job, task, finish)  set by the emulator
//
// The completeness check is DoParallel's known weak spot and is kept as
// the design has it: messages in flight are not counted, two tasks can
// both read `total` and start two finishers (the second finds the queue
// gone: QueueDoesNotExist), a retried task sends its message twice (the
// count passes `total` and no finisher starts). README.md has the details.
#include <fanlab/function.h>
#include <fanlab/json_client.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

namespace json = boost::json;
namespace sdk = fanlab::sdk;

constexpr const char kUsage[] =
    "usage: fanlab-doparallel job | task | finish | work\n";

// How many of the job's task invocations are in flight at once.
constexpr size_t kInvokeWindow = 256;

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

// ------------------------------------------------------------------ job

std::string GatewayReply(int status, const json::object& body) {
  return json::serialize(
      json::object{{"statusCode", status},
                   {"headers", {{"Content-Type", "application/json"}}},
                   {"body", json::serialize(body)}});
}

std::string BadRequest(std::string message) {
  return GatewayReply(400, {{"message", std::move(message)}});
}

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

std::string Job(const std::string& event_text, const sdk::Context& ctx) {
  const json::object event = sdk::ParseObject(event_text, "the event");
  const json::value& body_value = Field(event, "body");
  if (!body_value.is_string()) {
    return BadRequest("body must be a JSON object {callback, tasks}");
  }
  if (Field(event, "isBase64Encoded") == json::value(true)) {
    return BadRequest("body must be JSON text, not binary");
  }
  boost::system::error_code ec;
  json::value body = json::parse(body_value.get_string(), ec);
  if (ec || !body.is_object()) {
    return BadRequest("body must be a JSON object {callback, tasks}");
  }
  const json::object& request = body.as_object();

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

  const std::string job_id = JobId(ctx.request_id);
  const json::object created = sdk::CallJson(
      "CreateQueue", {{"QueueName", "doparallel-" + job_id}}, ctx);
  const std::string queue_url(Field(created, "QueueUrl").as_string());

  // One event per task: the shared fields, then its index, endpoint and
  // params.
  const json::object common{
      {"jobId", job_id},
      {"queueUrl", queue_url},
      {"total", tasks.size()},
      {"callback", callback},
      {"finishFunction", sdk::EnvOr("FINISH_FUNCTION", "finish")}};
  const std::string task_function = sdk::EnvOr("TASK_FUNCTION", "task");
  std::vector<json::object> invokes;
  invokes.reserve(tasks.size());
  for (size_t i = 0; i < tasks.size(); ++i) {
    const json::object& task = tasks[i].get_object();
    const json::value* params = task.if_contains("params");
    json::object task_event = common;
    task_event["index"] = i;
    task_event["endpoint"] = task.at("endpoint");
    task_event["params"] = params != nullptr ? *params : json::object();
    invokes.push_back({{"FunctionName", task_function},
                       {"InvocationType", "Event"},
                       {"Payload", json::serialize(task_event)}});
  }
  // Pipelined: thousands of tasks cost a few round trips, not one each. A
  // refused Invoke fails the job with its error type, naming the task.
  sdk::CallJsonAll("Invoke", invokes, ctx, kInvokeWindow);
  return GatewayReply(
      202,
      {{"jobId", job_id}, {"queueUrl", queue_url}, {"tasks", tasks.size()}});
}

// ----------------------------------------------------------------- task

// Calls the task's endpoint and returns its result.
json::value CallEndpoint(const std::string& endpoint, const json::value& params,
                         const sdk::Context& ctx) {
  const std::string params_text = json::serialize(params);
  if (endpoint.starts_with("http://")) {
    const int64_t left = std::max<int64_t>(ctx.RemainingTimeMs(), 1);
    sdk::HttpResult r = sdk::HttpPost(
        endpoint, params_text, {{"Content-Type", "application/json"}},
        static_cast<int>(std::min<int64_t>(left, 30000)));
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
  const json::object event = sdk::ParseObject(event_text, "the event");
  const std::string job_id = RequireString(event, "jobId");
  const std::string queue_url = RequireString(event, "queueUrl");
  const std::string endpoint = RequireString(event, "endpoint");
  const std::string finish = RequireString(event, "finishFunction");
  const int64_t index = RequireInt(event, "index");
  const int64_t total = RequireInt(event, "total");

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
  const json::object attributes = sdk::CallJson(
      "GetQueueAttributes",
      {{"QueueUrl", queue_url},
       {"AttributeNames", json::array{"ApproximateNumberOfMessages"}}},
      ctx);
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
  const bool finishing = count == total;
  if (finishing) {
    sdk::CallJson("Invoke",
                  {{"FunctionName", finish},
                   {"InvocationType", "Event"},
                   {"Payload", json::serialize(json::object{
                                   {"jobId", job_id},
                                   {"queueUrl", queue_url},
                                   {"total", total},
                                   {"callback", Field(event, "callback")}})}},
                  ctx);
  }
  return json::serialize(json::object{{"jobId", job_id},
                                      {"index", index},
                                      {"count", count},
                                      {"finishInvoked", finishing}});
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
  const json::object event = sdk::ParseObject(event_text, "the event");
  const std::string job_id = RequireString(event, "jobId");
  const std::string queue_url = RequireString(event, "queueUrl");
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
    const int64_t left = std::max<int64_t>(ctx.RemainingTimeMs(), 1);
    sdk::HttpResult r = sdk::HttpPost(
        url,
        json::serialize(json::object{{"status", "Success"},
                                     {"msg", "Job Finished"},
                                     {"result", std::move(result)}}),
        {{"Content-Type", "application/json"}},
        static_cast<int>(std::min<int64_t>(left, 30000)));
    if (!r.ok()) throw sdk::Error("CallbackFailed", url + ": " + r.error);
    callback_status = r.status;
  }
  return json::serialize(json::object{{"jobId", job_id},
                                      {"received", received},
                                      {"tasks", tasks},
                                      {"callbackStatus", callback_status}});
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
  } else if (role == "work") {
    handler = Work;
  } else {
    std::fputs(kUsage, stderr);
    return 2;
  }
  return sdk::Run(handler);
}
