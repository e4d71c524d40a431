// fanlab-batchjob: the batch job (the third seed workflow, an AWS SAM
// design): a dispatcher, one asynchronous worker per job, and a summary
// that drains a run queue into a topic. One executable; the role is argv[1]:
//
//   fanlab-batchjob dispatch   behind an API route (GET or POST
//                              .../dispatch), or invoked with {"runId"}
//     The run id: the event's "runId", or behind a route the query's
//     runId or the JSON body's "runId"; the request id when there is none.
//     1. GetObject $CONFIG_BUCKET/$CONFIG_KEY: {"jobs": [{"id": "a", ...}]},
//        each job's fields other than "id" being its params;
//     2. Invoke $WORKER_FUNCTION once per job, InvocationType Event, with
//        {"runId", "jobId", "params"};
//     3. UpdateItem $RUNS_TABLE RunID: SET TotalJobs, JobIDs ADD
//        CompletedJobs 0 (a worker may have counted already);
//     4. SendMessage {"runID": id} to $RUN_QUEUE_URL;
//     answers API Gateway's proxy response {statusCode: 200, headers, body:
//     {"runId", "totalJobs", "jobIds"}}; a bad run id 400 {"message"}.
//   fanlab-batchjob worker     event {"runId", "jobId", "params"}
//     1. GetItem $JOBS_TABLE "run#job": present and Complete -> returns
//        {"status": "Skipped"} having done nothing (the read-then-write
//        guard); then the job's work: params.workMs of sleep, if given;
//     2. PutItem $JOBS_TABLE {JobID: "run#job", RunID, Complete: true};
//     3. PutObject $ARTIFACTS_BUCKET/{run}/{job}.json;
//     4. UpdateItem $RUNS_TABLE ADD CompletedJobs 1;
//     returns {"runId", "jobId", "status": "Complete", "artifact"}.
//   fanlab-batchjob summary    behind an API route, or any event
//     One ReceiveMessage of at most 10 from $RUN_QUEUE_URL (up to 10 runs
//     cleared per call); for each {"runID"} reads the Runs row and
//     publishes "Summary for run: <id>" and "Completed jobs:
//     <CompletedJobs>/<TotalJobs>" to $TOPIC_ARN (Subject "Run <id>"),
//     then deletes the messages; answers the proxy response
//     {statusCode: 200, headers, body: {"runs": [ids], "malformed": n}}.
//
// Environment (defaults in brackets): CONFIG_BUCKET, CONFIG_KEY
// [jobs.json], RUNS_TABLE [Runs], JOBS_TABLE [Jobs], WORKER_FUNCTION
// [worker], RUN_QUEUE_URL, ARTIFACTS_BUCKET, TOPIC_ARN.
//
// The design's weak spots are kept on purpose (functions/batchjob/README.md):
// no fan-in (summary reports whatever CompletedJobs says when it runs), and
// the worker's guard reads then writes, so an asynchronous retry of a
// worker that failed after step 2 skips the job. The fault knob
// "failOnce": true in a job's params makes that happen: the worker throws
// between steps 2 and 3 on its first attempt.
#include <fanlab/function.h>
#include <fanlab/json_client.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <thread>

namespace {

namespace json = boost::json;
namespace sdk = fanlab::sdk;

json::object S(std::string_view s) { return {{"S", s}}; }
json::object N(int64_t n) { return {{"N", std::to_string(n)}}; }

// An integer attribute ({"N": "3"}) of a DynamoDB item, or `fallback`.
int64_t ItemInt(const json::object& item, std::string_view name,
                int64_t fallback) {
  const json::value* attr = item.if_contains(name);
  if (attr == nullptr || !attr->is_object()) return fallback;
  const json::value* n = attr->as_object().if_contains("N");
  if (n == nullptr || !n->is_string()) return fallback;
  try {
    return std::stoll(std::string(n->as_string()));
  } catch (const std::exception&) {
    return fallback;
  }
}

std::string Base64Decode(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (char c : in) {
    const int v = value(c);
    if (v < 0) continue;  // padding
    bits = (bits << 6) | static_cast<uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xFF));
    }
  }
  return out;
}

// Run and job ids become table keys ("run#job"), object keys
// ("run/job.json") and the topic's Subject: 1-64 characters of letters,
// digits, '-', '_', '.' and ':'.
bool ValidId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
           c == ':';
  });
}

// API Gateway's proxy response: what a Lambda behind a route returns.
std::string ProxyReply(int status, const json::object& body) {
  return json::serialize(
      json::object{{"statusCode", status},
                   {"headers", {{"Content-Type", "application/json"}}},
                   {"body", json::serialize(body)}});
}

// Whether the event is API Gateway's (REST or HTTP API) proxy event.
bool IsApiEvent(const json::object& event) {
  return event.contains("httpMethod") || event.contains("routeKey") ||
         event.contains("requestContext");
}

json::object ParseEvent(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    throw sdk::Error("InvalidInput", "The event must be a JSON object");
  }
  return std::move(v.as_object());
}

std::string IdField(const json::object& o, std::string_view field,
                    std::string_view where) {
  const json::value* v = o.if_contains(field);
  if (v == nullptr || !v->is_string() || !ValidId(v->as_string())) {
    throw sdk::Error("InvalidInput",
                     std::string(where) + std::string(field) +
                         " must be 1-64 characters of letters, digits, "
                         "'-', '_', '.', ':'");
  }
  return std::string(v->as_string());
}

// dispatch: the run config, the Runs row, one Event invocation per job,
// then the run queue.
std::string Dispatch(const std::string& event_text, const sdk::Context& ctx) {
  const json::object event = ParseEvent(event_text);
  // Where the run id may be: the event itself, or behind a route the
  // query string, then a JSON body.
  json::object source = event;
  if (IsApiEvent(event)) {
    source.clear();
    const json::value* query = event.if_contains("queryStringParameters");
    const json::value* body = event.if_contains("body");
    if (query != nullptr && query->is_object() &&
        query->as_object().contains("runId")) {
      source = query->as_object();
    } else if (body != nullptr && body->is_string() &&
               !body->as_string().empty()) {
      boost::system::error_code ec;
      json::value parsed = json::parse(body->as_string(), ec);
      if (ec || !parsed.is_object()) {
        return ProxyReply(400, {{"message", "The body must be a JSON object"}});
      }
      source = std::move(parsed.as_object());
    }
  }
  std::string run_id = ctx.request_id;
  if (const json::value* v = source.if_contains("runId");
      v != nullptr && !v->is_null()) {
    try {
      run_id = IdField(source, "runId", "");
    } catch (const sdk::Error& e) {
      return ProxyReply(400, {{"message", e.message()}});
    }
  }
  const std::string config_bucket = sdk::RequiredEnv("CONFIG_BUCKET");
  const std::string config_key = sdk::EnvOr("CONFIG_KEY", "jobs.json");
  const std::string queue_url = sdk::RequiredEnv("RUN_QUEUE_URL");

  const json::object object = sdk::CallJson(
      "GetObject", {{"Bucket", config_bucket}, {"Key", config_key}}, ctx);
  const json::value* body = object.if_contains("Body");
  const std::string text = body != nullptr && body->is_string()
                               ? Base64Decode(body->as_string())
                               : "";
  boost::system::error_code ec;
  json::value config = json::parse(text, ec);
  if (ec || !config.is_object() || !config.as_object().contains("jobs") ||
      !config.at("jobs").is_array()) {
    throw sdk::Error("InvalidInput", config_key + " must be {\"jobs\": [...]}");
  }
  // Each job: its id and its params (the job's other fields).
  std::vector<std::pair<std::string, json::object>> jobs;
  std::set<std::string> seen;
  const json::array& list = config.at("jobs").as_array();
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string where = "jobs[" + std::to_string(i) + "].";
    if (!list[i].is_object()) {
      throw sdk::Error("InvalidInput",
                       "jobs[" + std::to_string(i) + "] must be an object");
    }
    json::object params = list[i].as_object();
    std::string id = IdField(params, "id", where);
    if (!seen.insert(id).second) {
      throw sdk::Error("InvalidInput", where + "id repeats job id " + id);
    }
    params.erase("id");
    jobs.emplace_back(std::move(id), std::move(params));
  }

  // The design's order: the workers first, then the Runs row, then the
  // queue. A fast worker's ADD may reach the row before this write, so the
  // write sets the run's fields and adds 0 to CompletedJobs rather than
  // replacing the row.
  json::array job_ids;
  for (const auto& [id, params] : jobs) job_ids.push_back(S(id));
  const std::string worker = sdk::EnvOr("WORKER_FUNCTION", "worker");
  json::array ids;
  for (auto& [id, params] : jobs) {
    sdk::CallJson(
        "Invoke",
        {{"FunctionName", worker},
         {"InvocationType", "Event"},
         {"Payload",
          {{"runId", run_id}, {"jobId", id}, {"params", std::move(params)}}}},
        ctx);
    ids.push_back(json::string(id));
  }
  sdk::CallJson(
      "UpdateItem",
      {{"TableName", sdk::EnvOr("RUNS_TABLE", "Runs")},
       {"Key", {{"RunID", S(run_id)}}},
       {"UpdateExpression",
        "SET TotalJobs = :total, JobIDs = :ids ADD CompletedJobs :zero"},
       {"ExpressionAttributeValues",
        {{":total", N(static_cast<int64_t>(jobs.size()))},
         {":ids", {{"L", std::move(job_ids)}}},
         {":zero", N(0)}}}},
      ctx);
  sdk::CallJson(
      "SendMessage",
      {{"QueueUrl", queue_url},
       {"MessageBody", json::serialize(json::object{{"runID", run_id}})}},
      ctx);
  return ProxyReply(200, {{"runId", run_id},
                          {"totalJobs", jobs.size()},
                          {"jobIds", std::move(ids)}});
}

// worker: the guard, the Jobs row, the artifact, the Runs counter.
std::string Worker(const std::string& event_text, const sdk::Context& ctx) {
  const json::object event = ParseEvent(event_text);
  const std::string run_id = IdField(event, "runId", "");
  const std::string job_id = IdField(event, "jobId", "");
  json::object params;
  if (const json::value* p = event.if_contains("params");
      p != nullptr && !p->is_null()) {
    if (!p->is_object()) {
      throw sdk::Error("InvalidInput", "params must be an object");
    }
    params = p->as_object();
  }
  const std::string jobs_table = sdk::EnvOr("JOBS_TABLE", "Jobs");
  const std::string bucket = sdk::RequiredEnv("ARTIFACTS_BUCKET");
  const std::string job_key = run_id + "#" + job_id;
  const std::string artifact = run_id + "/" + job_id + ".json";

  // Read, then write: two attempts can both pass, and an attempt that
  // failed after the write below makes every retry skip the job.
  const json::object got = sdk::CallJson("GetItem",
                                         {{"TableName", jobs_table},
                                          {"Key", {{"JobID", S(job_key)}}},
                                          {"ConsistentRead", true}},
                                         ctx);
  const json::value* item = got.if_contains("Item");
  if (item != nullptr && item->is_object()) {
    const json::value* complete = item->as_object().if_contains("Complete");
    if (complete != nullptr && complete->is_object() &&
        complete->as_object().contains("BOOL") &&
        complete->at("BOOL") == true) {
      return json::serialize(json::object{
          {"runId", run_id}, {"jobId", job_id}, {"status", "Skipped"}});
    }
  }
  // The job's work, emulated: "workMs" in the params, real time (virtual
  // time follows it while a function runs). Past the worker's timeout the
  // attempt is killed and Lambda retries it.
  if (const json::value* work = params.if_contains("workMs"); work != nullptr) {
    if (!work->is_int64() || work->as_int64() < 0 ||
        work->as_int64() > 900000) {
      throw sdk::Error("InvalidInput",
                       "params.workMs must be an integer from 0 to 900000");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(work->as_int64()));
  }
  sdk::CallJson("PutItem",
                {{"TableName", jobs_table},
                 {"Item",
                  {{"JobID", S(job_key)},
                   {"RunID", S(run_id)},
                   {"Complete", {{"BOOL", true}}}}}},
                ctx);

  // The fault knob: fail once, after the Jobs row and before the artifact
  // and the counter. The first attempt is the one whose guard found no
  // Jobs row and that finds no artifact yet (no clock, no randomness).
  if (const json::value* f = params.if_contains("failOnce");
      f != nullptr && *f == true && item == nullptr) {
    bool artifact_exists = true;
    try {
      sdk::CallJson("HeadObject", {{"Bucket", bucket}, {"Key", artifact}}, ctx);
    } catch (const sdk::ServiceError& e) {
      if (e.type() != "NoSuchKey") throw;
      artifact_exists = false;
    }
    if (!artifact_exists) {
      throw sdk::Error("InjectedFault", "failOnce: job " + job_id + " of run " +
                                            run_id +
                                            " failed after writing its Jobs "
                                            "row (first attempt)");
    }
  }

  const json::object content{{"runId", run_id},
                             {"jobId", job_id},
                             {"params", params},
                             {"status", "Complete"}};
  sdk::CallJson("PutObject",
                {{"Bucket", bucket},
                 {"Key", artifact},
                 {"Body", sdk::Base64Encode(json::serialize(content))},
                 {"ContentType", "application/json"}},
                ctx);
  sdk::CallJson("UpdateItem",
                {{"TableName", sdk::EnvOr("RUNS_TABLE", "Runs")},
                 {"Key", {{"RunID", S(run_id)}}},
                 {"UpdateExpression", "ADD CompletedJobs :one"},
                 {"ExpressionAttributeValues", {{":one", N(1)}}}},
                ctx);
  return json::serialize(json::object{{"runId", run_id},
                                      {"jobId", job_id},
                                      {"status", "Complete"},
                                      {"artifact", artifact}});
}

// summary: clears up to 10 runs from the run queue, one email each. No
// fan-in: the counts are whatever the workers have written by now.
std::string Summary(const std::string&, const sdk::Context& ctx) {
  const std::string queue_url = sdk::RequiredEnv("RUN_QUEUE_URL");
  const std::string topic = sdk::RequiredEnv("TOPIC_ARN");
  const std::string runs_table = sdk::EnvOr("RUNS_TABLE", "Runs");
  json::array runs;
  int64_t malformed = 0;
  // One receive: at most 10 runs per call; the rest wait for the next.
  {
    const json::object got = sdk::CallJson("ReceiveMessage",
                                           {{"QueueUrl", queue_url},
                                            {"MaxNumberOfMessages", 10},
                                            {"WaitTimeSeconds", 0}},
                                           ctx);
    const json::value* messages = got.if_contains("Messages");
    static const json::array kNone;
    const json::array& list = messages != nullptr && messages->is_array()
                                  ? messages->as_array()
                                  : kNone;
    json::array entries;
    for (const json::value& m : list) {
      const json::object& message = m.as_object();
      entries.push_back(
          json::object{{"Id", std::to_string(entries.size())},
                       {"ReceiptHandle", message.at("ReceiptHandle")}});
      boost::system::error_code ec;
      json::value body = json::parse(message.at("Body").as_string(), ec);
      const json::value* run = !ec && body.is_object()
                                   ? body.as_object().if_contains("runID")
                                   : nullptr;
      if (run == nullptr || !run->is_string() || !ValidId(run->as_string())) {
        // A poison message: deleted with the others, counted, logged.
        ++malformed;
        std::fprintf(stderr, "summary: dropping a malformed message: %s\n",
                     json::serialize(message.at("Body")).c_str());
        continue;
      }
      const std::string run_id(run->as_string());
      const json::object row = sdk::CallJson("GetItem",
                                             {{"TableName", runs_table},
                                              {"Key", {{"RunID", S(run_id)}}},
                                              {"ConsistentRead", true}},
                                             ctx);
      std::string line = "No Runs row for this run.";
      if (const json::value* r = row.if_contains("Item");
          r != nullptr && r->is_object()) {
        line = "Completed jobs: " +
               std::to_string(ItemInt(r->as_object(), "CompletedJobs", 0)) +
               "/" + std::to_string(ItemInt(r->as_object(), "TotalJobs", 0));
      }
      sdk::CallJson("Publish",
                    {{"TopicArn", topic},
                     {"Message", "Summary for run: " + run_id + "\n" + line},
                     {"Subject", "Run " + run_id}},
                    ctx);
      runs.push_back(json::string(run_id));
    }
    if (!entries.empty()) {
      sdk::CallJson("DeleteMessageBatch",
                    {{"QueueUrl", queue_url}, {"Entries", entries}}, ctx);
    }
  }
  return ProxyReply(200, {{"runs", std::move(runs)}, {"malformed", malformed}});
}

}  // namespace

int main(int argc, char** argv) {
  const std::string role = argc > 1 ? argv[1] : "";
  sdk::Handler handler;
  if (role == "dispatch") {
    handler = Dispatch;
  } else if (role == "worker") {
    handler = Worker;
  } else if (role == "summary") {
    handler = Summary;
  } else {
    std::fprintf(stderr, "usage: fanlab-batchjob dispatch|worker|summary\n");
    return 2;
  }
  return sdk::Run(handler);
}
