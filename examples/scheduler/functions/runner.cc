// runner: the job queue's SQS event source. For each job it calls the
// algorithm the way Algorithmia's REST API is called,
//   POST {ALGORITHMIA_API}/v1/algo/<algorithm>
//   Authorization: Simple <apikey>, Content-Type: text/plain, body: input
// reads its {"result": ...} answer and sends the result to
// RESULT_QUEUE_URL:
//   {"scheduleId", "username", "algorithm", "scheduledFor", "result"}
// ALGORITHMIA_API defaults to AWS_ENDPOINT_URL, fanlab's HTTP front, where
// the example's `algorithmia` function stands in for the real service.
// A job that fails (not a job, no answer, an {"error"} answer) is reported
// in batchItemFailures, so only it returns to the queue.
#include "schedule.h"

namespace {

using namespace scheduler;

std::string Run(const std::string& text, const sdk::Context& ctx) {
  json::object event = sdk::ParseObject(text, "The event");
  const json::value* records = event.if_contains("Records");
  if (records == nullptr || !records->is_array()) {
    throw sdk::Error("InvalidInput", "Records must be a list");
  }
  std::string api = sdk::EnvOr("ALGORITHMIA_API", "");
  if (api.empty()) api = sdk::RequiredEnv("AWS_ENDPOINT_URL");
  std::string results_url = sdk::RequiredEnv("RESULT_QUEUE_URL");

  json::array failures;
  std::vector<std::string> results;
  for (const json::value& r : records->as_array()) {
    const json::object& record = r.as_object();
    std::string message_id(record.at("messageId").as_string());
    auto fail = [&](const std::string& why) {
      std::fprintf(stderr, "runner: job %s failed: %s\n", message_id.c_str(),
                   why.c_str());
      failures.push_back(json::object{{"itemIdentifier", message_id}});
    };
    boost::system::error_code ec;
    json::value job = json::parse(record.at("body").as_string(), ec);
    if (ec || !job.is_object() || !job.as_object().contains("algorithm") ||
        !job.at("algorithm").is_string()) {
      fail("the message is not a job");
      continue;
    }
    auto field = [&](const char* name) -> std::string {
      const json::value* v = job.as_object().if_contains(name);
      return v != nullptr && v->is_string() ? std::string(v->as_string()) : "";
    };
    int64_t budget = std::max<int64_t>(ctx.RemainingTimeMs() - 500, 1);
    sdk::HttpResult answer =
        sdk::HttpPost(api + "/v1/algo/" + field("algorithm"), field("input"),
                      {{"Authorization", "Simple " + field("apikey")},
                       {"Content-Type", "text/plain"}},
                      static_cast<int>(std::min<int64_t>(budget, 10000)));
    json::value reply;
    if (answer.ok()) reply = json::parse(answer.body, ec);
    if (!answer.ok() || ec || !reply.is_object() ||
        !reply.as_object().contains("result")) {
      fail(answer.ok()
               ? "HTTP " + std::to_string(answer.status) + ": " + answer.body
               : answer.error);
      continue;
    }
    results.push_back(
        json::serialize(json::object{{"scheduleId", field("id")},
                                     {"username", field("username")},
                                     {"algorithm", field("algorithm")},
                                     {"scheduledFor", field("scheduledFor")},
                                     {"result", reply.at("result")}}));
  }
  SendAll(results_url, results, ctx);
  return json::serialize(json::object{{"batchItemFailures", failures}});
}

}  // namespace

int main() { return sdk::Run(Run); }
