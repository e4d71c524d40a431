// fanlab-sqspipes: the second seed workflow, a multi-stage pipe over FIFO
// priority queues (`generate → reduce → count`), one executable whose role
// is argv[1]. README.md beside this file is the full contract; in short:
//
//   fanlab-sqspipes generate  the first stage, run by a schedule: each tick
//       runs EXECUTIONS executions, INTERVAL seconds apart (a number, or a
//       callable's successive answers); each sends COUNT values to the
//       next stage's queues (by priority, 10 per SendMessageBatch). The
//       next stage's WORKERS workers are started (Invoke, InvocationType
//       Event) after the first execution and again after the last.
//   fanlab-sqspipes stage     a worker of a later stage: receives 10 at a
//       time from the highest non-empty priority of its queues, DELETES the
//       messages BEFORE processing them (sqspipes' at-most-once weak spot,
//       kept on purpose), applies the stage's operation, sends the non-null
//       outputs to the next stage's queues with the same priority (null
//       ones too when IGNORE_NONE is false); repeats until every queue of
//       its stage has stayed empty for IDLE_MS (0: is empty) or the
//       remaining time is under MIN_REMAINING_MS; then, if it sent
//       anything, starts the next stage's WORKERS workers (Event). A
//       long-running worker (IDLE_MS > 0) also starts them after its first
//       send.
//
// Queues: stage NAME of domain D reads the FIFO queues `D-NAME.fifo`
// (priority 0) and `D-NAME--pK.fifo` (priority K = 1..PRIORITIES-1), which
// the scenario declares (FifoQueue true, VisibilityTimeout 120); their URLs
// come from GetQueueUrl, once per process. A message body is
// {"meta":{"priority":K},"value":V} (V an integer, or null); MessageGroupId
// "NAME-pK" (one group per queue: strict FIFO per queue, as sqspipes'
// single group "-"); MessageDeduplicationId "NAME-V" ("NAME-none-<the
// input's MessageId>" for a null).
//
// Environment, generate: DOMAIN, NEXT_STAGE, NEXT_FUNCTION (required);
//   COUNT (10; 1..100000), PRIORITIES (1; 1..16), WORKERS (1; 1..1000),
//   INTERVAL_SECONDS (60: the schedule's period), TICK_EPOCH (ISO-8601
//   UTC; 1970-01-01T00:00:00Z), EXECUTIONS (1; 1..10000), INTERVAL (0:
//   seconds between executions, sub-second allowed; "0.1,0.5" the
//   successive answers of a callable, cycled; "uniform:A:B" a random
//   number of seconds in [A, B), seeded by INTERVAL_SEED (1) and the
//   tick), MIN_REMAINING_MS (1000: no execution starts with less left).
//   Event: EventBridge's Scheduled Event; tick = floor((time - TICK_EPOCH)
//   / INTERVAL_SECONDS), or the event's integer "tick" when it has one.
//   Execution e's values (tick*EXECUTIONS + e)*COUNT + i (i = 0..COUNT-1),
//   priority i % PRIORITIES.
// Environment, stage: STAGE, DOMAIN (required); OPERATION (reduce|count;
//   default STAGE); PRIORITIES; NEXT_STAGE, NEXT_FUNCTION, WORKERS
//   (reduce: required but WORKERS; count: NEXT_STAGE must be unset);
//   RESULTS_TABLE (count: required; reduce: optional), TRACE_URL
//   (optional), MIN_REMAINING_MS (1000), IDLE_MS (0; 0..900000),
//   IGNORE_NONE (true|false; true). Event: anything (ignored).
//   Operations: reduce: V/2 for an even V, null (None) for an odd one or
//   a null; count: ADDs to the RESULTS_TABLE item {stage, priority} (a
//   null counts, adds 0 to the sum and 1 to "nones"). A None is dropped
//   (counted in "dropped") unless IGNORE_NONE is false, when it goes on
//   like any output.
#include <fanlab/function.h>
#include <fanlab/json_client.h>

#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace {

namespace json = boost::json;
namespace sdk = fanlab::sdk;

constexpr int64_t kMaxPriorities = 16;  // sqspipes' cap on levels
constexpr size_t kBatch = 10;           // SQS's most per receive and batch
// Values are integers of magnitude at most 2^53: exact in every JSON
// reader, and a batch's sum cannot overflow.
constexpr int64_t kMaxValue = int64_t{1} << 53;

int64_t IntEnv(const char* name, int64_t fallback, int64_t min, int64_t max) {
  const std::string text = sdk::EnvOr(name);
  if (text.empty()) return fallback;
  int64_t v = 0;
  const auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < min ||
      v > max) {
    throw sdk::Error("InvalidInput",
                     std::string(name) + " must be an integer from " +
                         std::to_string(min) + " to " + std::to_string(max) +
                         ", not '" + text + "'");
  }
  return v;
}

// `D-NAME.fifo` for priority 0, `D-NAME--pK.fifo` for priority K.
std::string QueueName(const std::string& domain, const std::string& stage,
                      int64_t priority) {
  const std::string base = domain + "-" + stage;
  if (priority == 0) return base + ".fifo";
  return base + "--p" + std::to_string(priority) + ".fifo";
}

// The URL of queue `name`, asked once per process (GetQueueUrl).
const std::string& QueueUrl(const std::string& name, const sdk::Context& ctx) {
  static std::unordered_map<std::string, std::string> urls;
  if (auto it = urls.find(name); it != urls.end()) return it->second;
  const json::object answer =
      sdk::CallJson("GetQueueUrl", {{"QueueName", name}}, ctx);
  const json::value* url = answer.if_contains("QueueUrl");
  if (url == nullptr || !url->is_string()) {
    throw sdk::Error("InvalidAnswer",
                     "GetQueueUrl of " + name +
                         " answered no QueueUrl: " + json::serialize(answer));
  }
  return urls.emplace(name, std::string(url->get_string())).first->second;
}

// A value on its way to the next stage: an integer, or null (a None let
// through), and what makes its deduplication id.
struct Output {
  json::value value;
  std::string dedup;  // "V", or "none-<the input's MessageId>"
};

Output IntOutput(int64_t v) { return {v, std::to_string(v)}; }

// Sends `values[k]` (k = priority) to `stage`'s queue of priority k, in
// order, 10 per SendMessageBatch, highest priority first. Returns how many
// were sent (a duplicate the queue suppressed counts as sent, as SQS
// answers it as a success).
int64_t SendToStage(const std::string& domain, const std::string& stage,
                    const std::vector<std::vector<Output>>& values,
                    const sdk::Context& ctx) {
  int64_t sent = 0;
  for (int64_t p = static_cast<int64_t>(values.size()) - 1; p >= 0; --p) {
    const std::vector<Output>& queue_values = values[p];
    const std::string group = stage + "-p" + std::to_string(p);
    for (size_t start = 0; start < queue_values.size(); start += kBatch) {
      json::array entries;
      for (size_t i = start; i < queue_values.size() && i < start + kBatch;
           ++i) {
        const Output& v = queue_values[i];
        entries.push_back(json::object{
            {"Id", std::to_string(i - start)},
            {"MessageBody",
             json::serialize(json::object{{"meta", {{"priority", p}}},
                                          {"value", v.value}})},
            {"MessageGroupId", group},
            {"MessageDeduplicationId", stage + "-" + v.dedup}});
      }
      const size_t n = entries.size();
      json::object answer = sdk::CallJson(
          "SendMessageBatch",
          {{"QueueUrl", QueueUrl(QueueName(domain, stage, p), ctx)},
           {"Entries", std::move(entries)}},
          ctx);
      if (const json::value* failed = answer.if_contains("Failed");
          failed != nullptr && failed->is_array() &&
          !failed->as_array().empty()) {
        throw sdk::Error(
            "SendMessageBatchFailed",
            QueueName(domain, stage, p) + ": " + json::serialize(*failed));
      }
      sent += static_cast<int64_t>(n);
    }
  }
  return sent;
}

// Starts `workers` workers of `function` with Event invocations; the
// payload is `payload` plus {"worker": j}.
void StartWorkers(const std::string& function, int64_t workers,
                  const json::object& payload, const sdk::Context& ctx) {
  for (int64_t j = 0; j < workers; ++j) {
    json::object event = payload;
    event["worker"] = j;
    sdk::CallJson("Invoke",
                  {{"FunctionName", function},
                   {"InvocationType", "Event"},
                   {"Payload", std::move(event)}},
                  ctx);
  }
}

// Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar.
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// Seconds since the Unix epoch of "YYYY-MM-DDTHH:MM:SS[.fff]Z" (the
// Scheduled Event's `time`; fractions are dropped), or nothing.
std::optional<int64_t> ParseTime(std::string_view s) {
  auto number = [&](size_t at, size_t len, int64_t min,
                    int64_t max) -> std::optional<int64_t> {
    if (at + len > s.size()) return std::nullopt;
    int64_t v = 0;
    for (size_t i = at; i < at + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    if (v < min || v > max) return std::nullopt;
    return v;
  };
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
      s[13] != ':' || s[16] != ':') {
    return std::nullopt;
  }
  const auto year = number(0, 4, 0, 9999), month = number(5, 2, 1, 12),
             day = number(8, 2, 1, 31), hour = number(11, 2, 0, 23),
             minute = number(14, 2, 0, 59), second = number(17, 2, 0, 59);
  if (!year || !month || !day || !hour || !minute || !second) {
    return std::nullopt;
  }
  size_t i = 19;
  if (s[i] == '.') {
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9';) ++i;
    if (i == 20) return std::nullopt;
  }
  if (i + 1 != s.size() || s[i] != 'Z') return std::nullopt;
  const int64_t days = DaysFromCivil(*year, *month, *day);
  // A day the month lacks (02-30) would land in the next month.
  if (DaysFromCivil(*year, *month, 1) + *day - 1 != days ||
      (*month < 12 ? DaysFromCivil(*year, *month + 1, 1)
                   : DaysFromCivil(*year + 1, 1, 1)) <= days) {
    return std::nullopt;
  }
  return days * 86400 + *hour * 3600 + *minute * 60 + *second;
}

int64_t FloorDiv(int64_t a, int64_t b) {  // REQUIRES: b > 0
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

// ---------------------------------------------------------------------------
// generate

// sqspipes' `interval`: the seconds to wait between two executions of the
// first task, a number or a callable returning one. INTERVAL is "" or a
// number (every wait), "a,b,c" (a callable's successive answers, cycled),
// or "uniform:A:B" (a callable answering a random number in [A, B); the
// generator seeded with `seed`).
class Interval {
 public:
  Interval(const std::string& text, uint64_t seed) : random_(seed) {
    auto number = [&](std::string_view t) {
      double v = -1;
      const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
      if (ec != std::errc() || end != t.data() + t.size() || !(v >= 0) ||
          v > 900) {
        throw sdk::Error("InvalidInput",
                         "INTERVAL must be seconds from 0 to 900, a list of "
                         "them (\"0.1,0.5\") or uniform:A:B, not '" +
                             text + "'");
      }
      return v;
    };
    std::string_view rest = text;
    if (rest.starts_with("uniform:")) {
      rest.remove_prefix(8);
      const size_t colon = rest.find(':');
      low_ = number(rest.substr(0, colon));
      high_ = number(colon == std::string_view::npos ? std::string_view()
                                                     : rest.substr(colon + 1));
      if (high_ < low_) number("-1");  // refused with the message above
      uniform_ = true;
      return;
    }
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      list_.push_back(number(rest.substr(0, comma)));
      rest = comma == std::string_view::npos ? std::string_view()
                                             : rest.substr(comma + 1);
    }
    if (list_.empty()) list_.push_back(0);
  }

  // The next wait, in seconds.
  double Next() {
    if (uniform_) {
      return std::uniform_real_distribution<double>(low_, high_)(random_);
    }
    return list_[next_++ % list_.size()];
  }

 private:
  std::mt19937_64 random_;
  bool uniform_ = false;
  double low_ = 0, high_ = 0;
  std::vector<double> list_;
  size_t next_ = 0;
};

std::string Generate(const std::string& event_text, const sdk::Context& ctx) {
  const std::string domain = sdk::RequiredEnv("DOMAIN");
  const std::string next_stage = sdk::RequiredEnv("NEXT_STAGE");
  const std::string next_function = sdk::RequiredEnv("NEXT_FUNCTION");
  const int64_t count = IntEnv("COUNT", 10, 1, 100000);
  const int64_t priorities = IntEnv("PRIORITIES", 1, 1, kMaxPriorities);
  const int64_t workers = IntEnv("WORKERS", 1, 1, 1000);
  const int64_t interval = IntEnv("INTERVAL_SECONDS", 60, 1, 31622400);
  const int64_t executions = IntEnv("EXECUTIONS", 1, 1, 10000);
  const int64_t min_remaining_ms = IntEnv("MIN_REMAINING_MS", 1000, 0, 900000);
  const int64_t interval_seed = IntEnv("INTERVAL_SEED", 1, 0, INT64_MAX);
  int64_t epoch = 0;
  if (const std::string text = sdk::EnvOr("TICK_EPOCH"); !text.empty()) {
    const std::optional<int64_t> t = ParseTime(text);
    if (!t) {
      throw sdk::Error("InvalidInput",
                       "TICK_EPOCH must be a UTC time like "
                       "2026-01-01T00:00:00Z, not '" +
                           text + "'");
    }
    epoch = *t;
  }

  boost::system::error_code ec;
  const json::value event = json::parse(event_text, ec);
  if (ec || !event.is_object()) {
    throw sdk::Error("InvalidInput", "The event must be a JSON object");
  }
  int64_t tick = 0;
  if (const json::value* t = event.as_object().if_contains("tick")) {
    if (!t->is_int64()) {
      throw sdk::Error("InvalidInput", "The event's tick must be an integer");
    }
    tick = t->as_int64();
  } else {
    const json::value* time = event.as_object().if_contains("time");
    const std::optional<int64_t> seconds =
        time != nullptr && time->is_string()
            ? ParseTime(std::string_view(time->as_string()))
            : std::nullopt;
    if (!seconds) {
      throw sdk::Error("InvalidInput",
                       "The event's time must be a UTC time like "
                       "2026-01-01T00:01:00Z (a Scheduled Event), or the "
                       "event must give an integer tick");
    }
    tick = FloorDiv(*seconds - epoch, interval);
  }
  const int64_t per_tick = count * executions;
  if (tick > (kMaxValue - per_tick) / per_tick ||
      tick < -kMaxValue / per_tick) {
    throw sdk::Error("InvalidInput",
                     "The tick " + std::to_string(tick) +
                         " gives values beyond 2^53 in magnitude");
  }
  Interval waits(sdk::EnvOr("INTERVAL"), static_cast<uint64_t>(interval_seed) ^
                                             static_cast<uint64_t>(tick));

  // Execution e: values (tick*EXECUTIONS + e)*COUNT + i, priority
  // i % PRIORITIES; the wait before the next one is the interval's.
  const json::object start_event{{"stage", next_stage},
                                 {"startedBy", "generate/" + ctx.request_id},
                                 {"tick", tick}};
  std::vector<int64_t> by_priority(priorities, 0);
  json::array waited;
  int64_t done = 0, started = 0;
  std::string stopped_by = "done";
  for (int64_t e = 0; e < executions; ++e) {
    if (e > 0) {
      const double seconds = waits.Next();
      if (ctx.RemainingTimeMs() - seconds * 1000 < min_remaining_ms) {
        stopped_by = "time";
        break;
      }
      waited.push_back(seconds);
      std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    }
    std::vector<std::vector<Output>> values(priorities);
    const int64_t first = (tick * executions + e) * count;
    for (int64_t i = 0; i < count; ++i) {
      values[i % priorities].push_back(IntOutput(first + i));
      ++by_priority[i % priorities];
    }
    SendToStage(domain, next_stage, values, ctx);
    ++done;
    // The workers run while the first task goes on; the last start picks
    // up what a worker that ran out of messages left behind.
    if (e == 0) {
      StartWorkers(next_function, workers, start_event, ctx);
      started += workers;
    }
  }
  if (done > 1) {
    StartWorkers(next_function, workers, start_event, ctx);
    started += workers;
  }

  std::fprintf(stderr,
               "generate: tick %lld, %lld executions of %lld values to %s\n",
               static_cast<long long>(tick), static_cast<long long>(done),
               static_cast<long long>(count), next_stage.c_str());
  json::array priorities_json;
  for (int64_t n : by_priority) priorities_json.push_back(n);
  return json::serialize(
      json::object{{"tick", tick},
                   {"executions", done},
                   {"generated", done * count},
                   {"first", tick * per_tick},
                   {"last", tick * per_tick + done * count - 1},
                   {"byPriority", std::move(priorities_json)},
                   {"waited", std::move(waited)},
                   {"stoppedBy", stopped_by},
                   {"workersStarted", started}});
}

// ---------------------------------------------------------------------------
// stage

enum class Operation { kReduce, kCount };

// reduce: v/2 for an even v; nothing (Python's None) for an odd one or a
// None.
std::optional<int64_t> Reduce(std::optional<int64_t> v) {
  if (!v || *v % 2 != 0) return std::nullopt;
  return *v / 2;
}

// The value of a body {"meta":{...},"value":V}: V, an integer within ±2^53
// or null (nullopt inside). Nothing when the body is not that shape.
std::optional<std::optional<int64_t>> ValueOf(std::string_view body) {
  boost::system::error_code ec;
  const json::value message = json::parse(body, ec);
  if (ec || !message.is_object()) return std::nullopt;
  const json::value* v = message.as_object().if_contains("value");
  if (v != nullptr && v->is_null()) return std::optional<int64_t>();
  if (v == nullptr || !v->is_int64()) return std::nullopt;
  const int64_t value = v->as_int64();
  if (value > kMaxValue || value < -kMaxValue) return std::nullopt;
  return std::optional<int64_t>(value);
}

std::string StageWorker(const std::string& /*event*/, const sdk::Context& ctx) {
  const std::string stage = sdk::RequiredEnv("STAGE");
  const std::string domain = sdk::RequiredEnv("DOMAIN");
  const int64_t priorities = IntEnv("PRIORITIES", 1, 1, kMaxPriorities);
  std::string operation_name = sdk::EnvOr("OPERATION");
  if (operation_name.empty()) operation_name = stage;
  Operation operation;
  if (operation_name == "reduce") {
    operation = Operation::kReduce;
  } else if (operation_name == "count") {
    operation = Operation::kCount;
  } else {
    throw sdk::Error("InvalidInput",
                     "OPERATION (default: STAGE) must be reduce or count, "
                     "not '" +
                         operation_name + "'");
  }
  const std::string next_stage = sdk::EnvOr("NEXT_STAGE");
  std::string next_function;
  int64_t workers = 0;
  if (operation == Operation::kCount) {
    if (!next_stage.empty()) {
      throw sdk::Error("InvalidInput",
                       "NEXT_STAGE must not be set: count is the last stage");
    }
  } else {
    if (next_stage.empty()) {
      throw sdk::Error("InvalidInput",
                       "The environment variable NEXT_STAGE is required "
                       "for the reduce operation");
    }
    next_function = sdk::RequiredEnv("NEXT_FUNCTION");
    workers = IntEnv("WORKERS", 1, 1, 1000);
  }
  const std::string table = operation == Operation::kCount
                                ? sdk::RequiredEnv("RESULTS_TABLE")
                                : sdk::EnvOr("RESULTS_TABLE");
  const std::string trace_url = sdk::EnvOr("TRACE_URL");
  const int64_t min_remaining_ms = IntEnv("MIN_REMAINING_MS", 1000, 0, 900000);
  const int64_t idle_ms = IntEnv("IDLE_MS", 0, 0, 900000);
  const std::string ignore_none_text = sdk::EnvOr("IGNORE_NONE", "true");
  if (ignore_none_text != "true" && ignore_none_text != "false") {
    throw sdk::Error(
        "InvalidInput",
        "IGNORE_NONE must be true or false, not '" + ignore_none_text + "'");
  }
  const bool ignore_none = ignore_none_text == "true";

  int64_t batches = 0, received = 0, sent = 0, dropped = 0, malformed = 0;
  int64_t nones = 0, started = 0, sent_when_started = 0;
  using Clock = std::chrono::steady_clock;
  Clock::time_point last_message = Clock::now();
  json::array order;  // the priority of each batch, in processing order
  std::string trace_error;
  std::string stopped_by = "empty";
  while (true) {
    if (ctx.RemainingTimeMs() < min_remaining_ms) {
      stopped_by = "time";
      break;
    }
    // The highest non-empty priority first, 10 at a time.
    int64_t priority = -1;
    std::string url;
    json::array messages;
    for (int64_t p = priorities - 1; p >= 0 && priority < 0; --p) {
      url = QueueUrl(QueueName(domain, stage, p), ctx);
      json::object answer = sdk::CallJson("ReceiveMessage",
                                          {{"QueueUrl", url},
                                           {"MaxNumberOfMessages", 10},
                                           {"WaitTimeSeconds", 0}},
                                          ctx);
      if (json::value* m = answer.if_contains("Messages");
          m != nullptr && m->is_array() && !m->as_array().empty()) {
        messages = std::move(m->as_array());
        priority = p;
      }
    }
    if (priority < 0) {  // every queue of the stage is empty
      // A long-running worker waits for more, as sqspipes' workers do,
      // until IDLE_MS pass without a message.
      const auto idle = Clock::now() - last_message;
      if (idle >= std::chrono::milliseconds(idle_ms)) break;
      std::this_thread::sleep_for(
          std::min<Clock::duration>(std::chrono::milliseconds(50),
                                    std::chrono::milliseconds(idle_ms) - idle));
      continue;
    }
    last_message = Clock::now();
    ++batches;
    order.push_back(priority);

    // sqspipes deletes what it received before processing it: a worker
    // that dies from here on loses the batch (at-most-once).
    json::array entries;
    for (size_t i = 0; i < messages.size(); ++i) {
      entries.push_back(
          json::object{{"Id", std::to_string(i)},
                       {"ReceiptHandle", messages[i].at("ReceiptHandle")}});
    }
    json::object deleted = sdk::CallJson(
        "DeleteMessageBatch", {{"QueueUrl", url}, {"Entries", entries}}, ctx);
    if (const json::value* failed = deleted.if_contains("Failed");
        failed != nullptr && failed->is_array() &&
        !failed->as_array().empty()) {
      throw sdk::Error("DeleteMessageBatchFailed", json::serialize(*failed));
    }

    int64_t batch_count = 0, batch_sum = 0, batch_dropped = 0, batch_nones = 0;
    json::array batch_values;
    std::vector<std::vector<Output>> outputs(priorities);
    for (const json::value& message : messages) {
      const json::value* body = message.as_object().if_contains("Body");
      const std::optional<std::optional<int64_t>> value =
          body != nullptr && body->is_string()
              ? ValueOf(std::string_view(body->as_string()))
              : std::nullopt;
      if (!value) {  // already deleted: logged and skipped
        ++malformed;
        std::fprintf(stderr, "%s: skipped a malformed message %s\n",
                     stage.c_str(), json::serialize(message).c_str());
        continue;
      }
      ++batch_count;
      if (*value) {
        batch_sum += **value;
        batch_values.push_back(**value);
      } else {
        ++batch_nones;
        batch_values.push_back(nullptr);
      }
      if (operation == Operation::kCount) continue;  // recorded below
      const std::optional<int64_t> output = Reduce(*value);
      if (output) {
        outputs[priority].push_back(IntOutput(*output));
      } else if (ignore_none) {
        ++batch_dropped;  // None: propagation stops here
      } else {
        const json::value* id = message.as_object().if_contains("MessageId");
        outputs[priority].push_back(
            {nullptr,
             "none-" + (id != nullptr && id->is_string()
                            ? std::string(id->as_string())
                            : std::to_string(received + batch_count))});
      }
    }
    nones += batch_nones;
    received += batch_count;
    dropped += batch_dropped;
    if (operation == Operation::kReduce) {
      sent += SendToStage(domain, next_stage, outputs, ctx);
      // A long-running worker starts the next stage's workers as soon as
      // it has sent them something, not when it stops.
      if (idle_ms > 0 && started == 0 && sent > 0) {
        StartWorkers(next_function, workers,
                     {{"stage", next_stage},
                      {"startedBy", stage + "/" + ctx.request_id}},
                     ctx);
        started = workers;
        sent_when_started = sent;
      }
    }
    if (!table.empty() && batch_count > 0) {
      json::object names{
          {"#count", "count"}, {"#sum", "sum"}, {"#dropped", "dropped"}};
      json::object values{{":count", {{"N", std::to_string(batch_count)}}},
                          {":sum", {{"N", std::to_string(batch_sum)}}},
                          {":dropped", {{"N", std::to_string(batch_dropped)}}}};
      std::string update = "ADD #count :count, #sum :sum, #dropped :dropped";
      if (batch_nones > 0) {
        update += ", #nones :nones";
        names["#nones"] = "nones";
        values[":nones"] = {{"N", std::to_string(batch_nones)}};
      }
      sdk::CallJson("UpdateItem",
                    {{"TableName", table},
                     {"Key",
                      {{"stage", {{"S", stage}}},
                       {"priority", {{"N", std::to_string(priority)}}}}},
                     {"UpdateExpression", update},
                     {"ExpressionAttributeNames", std::move(names)},
                     {"ExpressionAttributeValues", std::move(values)}},
                    ctx);
    }
    if (!trace_url.empty()) {
      const int64_t left = ctx.RemainingTimeMs();
      const sdk::HttpResult r = sdk::HttpPost(
          trace_url,
          json::serialize(json::object{{"stage", stage},
                                       {"worker", ctx.request_id},
                                       {"batch", batches},
                                       {"priority", priority},
                                       {"values", std::move(batch_values)}}),
          {{"Content-Type", "application/json"}},
          static_cast<int>(left < 1 ? 1 : (left > 5000 ? 5000 : left)));
      if (trace_error.empty() && (!r.ok() || r.status >= 300)) {
        trace_error = trace_url + ": " +
                      (r.ok() ? "HTTP " + std::to_string(r.status) : r.error);
      }
    }
  }

  if (sent > sent_when_started) {
    StartWorkers(
        next_function, workers,
        {{"stage", next_stage}, {"startedBy", stage + "/" + ctx.request_id}},
        ctx);
    started += workers;
  }
  std::fprintf(stderr,
               "%s: %lld batches, %lld values, %lld sent, %lld dropped, "
               "stopped by %s\n",
               stage.c_str(), static_cast<long long>(batches),
               static_cast<long long>(received), static_cast<long long>(sent),
               static_cast<long long>(dropped), stopped_by.c_str());
  // The work is done and the next workers started: only then does a trace
  // that did not arrive fail the invocation.
  if (!trace_error.empty()) throw sdk::Error("TraceFailed", trace_error);
  return json::serialize(json::object{{"stage", stage},
                                      {"batches", batches},
                                      {"order", std::move(order)},
                                      {"received", received},
                                      {"sent", sent},
                                      {"dropped", dropped},
                                      {"nones", nones},
                                      {"malformed", malformed},
                                      {"stoppedBy", stopped_by},
                                      {"workersStarted", started}});
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view role = argc == 2 ? argv[1] : "";
  if (role == "generate") return sdk::Run(Generate);
  if (role == "stage") return sdk::Run(StageWorker);
  std::fprintf(stderr, "usage: fanlab-sqspipes generate|stage\n");
  return 2;
}
