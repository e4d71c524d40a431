// scheduler: the target of the `rate(1 minute)` rule. Reads the minute of
// the day from the Scheduled Event's `time`, scans the schedules table for
// enabled schedules, and sends each one due now (minute of the day
// divisible by run_interval_minutes) to JOB_QUEUE_URL as a job:
//   {"username", "id", "algorithm", "apikey", "input", "scheduledFor"}
// A tick whose Scan or send fails fails the invocation: Lambda retries an
// Event invocation twice, then drops it (the example's weak spot).
#include "schedule.h"

namespace {

using namespace scheduler;

// "2026-01-01T01:15:00Z" -> 75; -1 when it is not such a time.
int MinuteOfDay(std::string_view time) {
  size_t t = time.find('T');
  if (t == std::string_view::npos || time.size() < t + 6 ||
      time[t + 3] != ':') {
    return -1;
  }
  int hour = 0, minute = 0;
  auto h = std::from_chars(time.data() + t + 1, time.data() + t + 3, hour);
  auto m = std::from_chars(time.data() + t + 4, time.data() + t + 6, minute);
  if (h.ec != std::errc() || m.ec != std::errc() || hour > 23 || minute > 59) {
    return -1;
  }
  return hour * 60 + minute;
}

std::string Tick(const std::string& text, const sdk::Context& ctx) {
  json::object event = sdk::ParseObject(text, "The event");
  const json::value* time = event.if_contains("time");
  int minute = time != nullptr && time->is_string()
                   ? MinuteOfDay(time->as_string())
                   : -1;
  if (minute < 0) {
    throw sdk::Error("InvalidInput", "time must be a Scheduled Event's time");
  }
  std::string scheduled_for(time->as_string());
  std::vector<json::object> items =
      AllItems("Scan",
               {{"TableName", Table()},
                {"FilterExpression", "#e = :t"},
                {"ExpressionAttributeNames", {{"#e", "enabled"}}},
                {"ExpressionAttributeValues", {{":t", {{"BOOL", true}}}}}},
               ctx);
  std::vector<std::string> jobs;
  for (const json::object& item : items) {
    Schedule s = FromItem(item);
    if (s.run_interval_minutes < 1 || minute % s.run_interval_minutes != 0) {
      continue;
    }
    jobs.push_back(
        json::serialize(json::object{{"username", s.username},
                                     {"id", s.id},
                                     {"algorithm", s.algorithm},
                                     {"apikey", s.apikey},
                                     {"input", s.input},
                                     {"scheduledFor", scheduled_for}}));
  }
  SendAll(sdk::RequiredEnv("JOB_QUEUE_URL"), jobs, ctx);
  return json::serialize(json::object{{"time", scheduled_for},
                                      {"enabled", items.size()},
                                      {"sent", jobs.size()}});
}

}  // namespace

int main() { return sdk::Run(Tick); }
