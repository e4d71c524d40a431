// fanlab-relay: Relay, long tasks cut into time-limited hops (the fourth
// seed workflow), on the relay library's four calls: setup, getRelayPkt,
// relayPass and tearDown. One executable; argv[1] picks the function:
//
//   setup     event {name, units, unitMs, parts?, delaySeconds?, custom?}.
//             setup(): creates the standard queue relay-<name>
//             (VisibilityTimeout $VISIBILITY_TIMEOUT) and an event source
//             mapping from it onto $WORKER_FUNCTION (BatchSize 1). Then one
//             relayPass per part (parallel mode when parts > 1): the packet
//             {QueueUrl, UUID, stats:{sqsCount:1, units:0}, attempt:0, todo,
//             unitMs, delaySeconds, part, parts, custom}, the units split
//             evenly between the parts. Returns {QueueUrl, UUID, parts}.
//   worker    the mapping's SQS event (Records, one per batch).
//             getRelayPkt(): the first record's body as a packet, or null
//             (logged "invalid relay message"; the invocation succeeds and
//             the message is gone) when it is not a JSON object with
//             QueueUrl, UUID and this worker's fields. Does units of work
//             (each a real sleep of unitMs, timed) while ceil(1.5 × the last
//             unit's ms) < the remaining time and units remain. Units left:
//             relayPass(packet, delay) with this pass's delay. None left:
//             POSTs the packet to $RESULT_URL (when set) and, when its own
//             message is the last one in the queue, invokes
//             $TEARDOWN_FUNCTION (Event) with {QueueUrl, UUID}.
//   teardown  event {QueueUrl, UUID}: tearDown(): DeleteEventSourceMapping
//             (UUID), then DeleteQueue(QueueUrl). Returns {QueueUrl, UUID,
//             deleted:true}.
//
// relayPass(packet, delaySeconds): stats.sqsCount + 1, then SendMessage of
// the packet to its QueueUrl with DelaySeconds clamped to 0..900 (a packet
// over 64 KB is refused with PacketTooLarge). sqsCount therefore counts
// every relayPass, setup's included. The packet's delaySeconds is a number
// (every pass) or a list (the pass made at sqsCount k waits element k, the
// last element for every later pass).
//
// Environment:
//   VISIBILITY_TIMEOUT  (setup)   the queue's VisibilityTimeout in seconds,
//                                 at least the worker's Timeout; default 60
//   WORKER_FUNCTION     (setup)   the worker's name; default "worker"
//   RESULT_URL          (worker)  where the finished packet is POSTed;
//                                 unset: no POST
//   TEARDOWN_FUNCTION   (worker)  the teardown's name; default "teardown"
//   RESERVE_MS          (worker)  milliseconds kept back for relayPass on
//                                 top of the design's margin; default 0
//                                 (the design's rule exactly)
//   FANLAB_ENDPOINT     (all)     set by the emulator
//
// The stop rule trusts the last unit's time: a unit that runs longer than
// 1.5 × the one before, or a relayPass slower than the margin left, meets
// the deadline; the invocation then times out after some units were done
// (and perhaps after the packet was sent on), and the mapping hands the
// old packet out again after the visibility timeout. README.md has more.
#include <fanlab/function.h>
#include <fanlab/json_client.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

namespace {

namespace json = boost::json;
namespace sdk = fanlab::sdk;

constexpr const char kUsage[] =
    "usage: fanlab-relay setup | worker | teardown\n";

// SQS's message limit as the Relay design has it (it predates the 1 MiB
// raise): a packet is at most 64 KB.
constexpr size_t kMaxPacketBytes = 64 * 1024;

const json::value& Field(const json::object& o, std::string_view name) {
  static const json::value kNull;
  const json::value* v = o.if_contains(name);
  return v != nullptr ? *v : kNull;
}

std::string RequireString(const json::object& o, std::string_view name,
                          const std::string& where) {
  const json::value& v = Field(o, name);
  if (!v.is_string() || v.get_string().empty()) {
    throw sdk::Error("InvalidInput",
                     where + std::string(name) + " must be a non-empty string");
  }
  return std::string(v.get_string());
}

// An integer field in [min, max]; `fallback` when absent (nullopt: the
// field is required).
int64_t RequireInt(const json::object& o, std::string_view name, int64_t min,
                   int64_t max, const std::string& where,
                   std::optional<int64_t> fallback = std::nullopt) {
  const json::value& v = Field(o, name);
  if (v.is_null() && fallback) return *fallback;
  std::optional<int64_t> n;
  if (v.is_int64()) n = v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= uint64_t(INT64_MAX)) {
    n = static_cast<int64_t>(v.get_uint64());
  }
  if (!n || *n < min || *n > max) {
    throw sdk::Error("InvalidInput",
                     where + std::string(name) + " must be an integer from " +
                         std::to_string(min) + " to " + std::to_string(max));
  }
  return *n;
}

// The packet as a message body; PacketTooLarge over 64 KB.
std::string PacketBody(const json::object& packet) {
  std::string body = json::serialize(packet);
  if (body.size() > kMaxPacketBytes) {
    throw sdk::Error("PacketTooLarge",
                     "the packet is " + std::to_string(body.size()) +
                         " bytes; a relay packet is at most " +
                         std::to_string(kMaxPacketBytes) + " bytes");
  }
  return body;
}

// The delay of the pass made when the packet's sqsCount is `count`: its
// delaySeconds, a number or a list (element `count`, the last one past the
// end), clamped to SQS's 0..900 as relayPass clamps it.
int64_t PassDelay(const json::value& delays, int64_t count) {
  const json::value* d = &delays;
  if (delays.is_array()) {
    const json::array& list = delays.get_array();
    if (list.empty()) return 0;
    d = &list[std::min<size_t>(static_cast<size_t>(std::max<int64_t>(count, 0)),
                               list.size() - 1)];
  }
  if (!d->is_number()) return 0;
  return static_cast<int64_t>(std::clamp(d->to_number<double>(), 0.0, 900.0));
}

// relayPass(): sqsCount + 1, then the packet to its own queue with this
// pass's delay.
void RelayPass(json::object& packet, const sdk::Context& ctx) {
  json::object& stats = packet["stats"].as_object();
  const int64_t count =
      stats["sqsCount"].is_int64() ? stats["sqsCount"].get_int64() : 0;
  const int64_t delay = PassDelay(Field(packet, "delaySeconds"), count);
  stats["sqsCount"] = count + 1;
  sdk::CallJson("SendMessage",
                {{"QueueUrl", packet.at("QueueUrl")},
                 {"MessageBody", PacketBody(packet)},
                 {"DelaySeconds", delay}},
                ctx);
}

// ---------------------------------------------------------------- setup

// delaySeconds as setup takes it: a number or a list of numbers.
json::value DelaysField(const json::object& event) {
  const json::value& v = Field(event, "delaySeconds");
  if (v.is_null()) return 0;
  bool ok = v.is_number();
  if (v.is_array()) {
    ok = std::all_of(v.get_array().begin(), v.get_array().end(),
                     [](const json::value& d) { return d.is_number(); });
  }
  if (!ok) {
    throw sdk::Error("InvalidInput",
                     "delaySeconds must be a number or a list of numbers "
                     "(seconds, clamped to 0..900)");
  }
  return v;
}

std::string Setup(const std::string& event_text, const sdk::Context& ctx) {
  const json::object event = sdk::ParseObject(event_text, "the event");
  const std::string name = RequireString(event, "name", "");
  const std::string queue_name = "relay-" + name;
  if (queue_name.size() > 80 ||
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"
                             "WXYZ0123456789-_") != std::string::npos) {
    throw sdk::Error("InvalidInput",
                     "name must be 1-74 characters of letters, digits, - "
                     "and _ (the queue is relay-<name>)");
  }
  const int64_t units = RequireInt(event, "units", 0, INT64_MAX, "");
  const int64_t unit_ms = RequireInt(event, "unitMs", 0, 900000, "");
  const int64_t parts = RequireInt(event, "parts", 1, 1000, "", 1);
  const json::value delays = DelaysField(event);
  const json::value& custom = Field(event, "custom");
  // Part i's packet as it will be but for the URL's host and the
  // mapping's id (sqsCount before its relayPass): refused before anything
  // is created when it is too big.
  const auto packet = [&](int64_t part, json::value url, json::value uuid) {
    return json::object{
        {"QueueUrl", std::move(url)},
        {"UUID", std::move(uuid)},
        {"stats", {{"sqsCount", 0}, {"units", 0}}},
        {"attempt", 0},
        {"todo", units / parts + (part < units % parts ? 1 : 0)},
        {"unitMs", unit_ms},
        {"delaySeconds", delays},
        {"part", part},
        {"parts", parts},
        {"custom", custom}};
  };
  PacketBody(packet(0,
                    json::string("http://localhost/000000000000/" + queue_name),
                    json::string(36, '0')));

  // setup()
  const json::object queue = sdk::CallJson(
      "CreateQueue",
      {{"QueueName", queue_name},
       {"Attributes",
        {{"VisibilityTimeout", sdk::EnvOr("VISIBILITY_TIMEOUT", "60")}}}},
      ctx);
  const json::value queue_url = Field(queue, "QueueUrl");
  const json::object attributes = sdk::CallJson(
      "GetQueueAttributes",
      {{"QueueUrl", queue_url}, {"AttributeNames", {"QueueArn"}}}, ctx);
  const json::value arn =
      Field(attributes, "Attributes").is_object()
          ? Field(attributes.at("Attributes").get_object(), "QueueArn")
          : json::value();
  const json::object mapping =
      sdk::CallJson("CreateEventSourceMapping",
                    {{"EventSourceArn", arn},
                     {"FunctionName", sdk::EnvOr("WORKER_FUNCTION", "worker")},
                     {"BatchSize", 1}},
                    ctx);
  const json::value uuid = Field(mapping, "UUID");

  // One relayPass per part: parallel mode when there are several.
  for (int64_t part = 0; part < parts; ++part) {
    json::object p = packet(part, queue_url, uuid);
    RelayPass(p, ctx);
  }
  return json::serialize(
      json::object{{"QueueUrl", queue_url}, {"UUID", uuid}, {"parts", parts}});
}

// --------------------------------------------------------------- worker

// getRelayPkt(): the packet of the event's first record, or nullopt (the
// reason logged) when it is no relay packet this worker can work on. A
// missing stats or attempt is filled in, as the library does.
std::optional<json::object> GetRelayPkt(const json::object& event) {
  auto invalid = [](const std::string& why) -> std::optional<json::object> {
    std::fprintf(stderr, "invalid relay message: %s\n", why.c_str());
    return std::nullopt;
  };
  const json::value& records = Field(event, "Records");
  if (!records.is_array() || records.get_array().empty() ||
      !records.get_array()[0].is_object()) {
    return invalid("no Records[0] (not an SQS event)");
  }
  const json::value& body = Field(records.get_array()[0].get_object(), "body");
  json::value parsed;
  if (body.is_object()) {
    parsed = body;  // a body given as an object when invoked by hand
  } else if (body.is_string()) {
    boost::system::error_code ec;
    parsed = json::parse(body.get_string(), ec);
    if (ec) return invalid("Records[0].body is not JSON");
  }
  if (!parsed.is_object()) {
    return invalid("Records[0].body is not a JSON object");
  }
  json::object packet = std::move(parsed.get_object());
  for (const char* key : {"QueueUrl", "UUID"}) {
    const json::value& v = Field(packet, key);
    if (!v.is_string() || v.get_string().empty()) {
      return invalid(std::string("Records[0].body.") + key +
                     " must be a non-empty string");
    }
  }
  if (!Field(packet, "stats").is_object()) packet["stats"] = {{"sqsCount", 0}};
  if (!packet.contains("attempt")) packet["attempt"] = 0;
  // This worker's own fields.
  try {
    for (const char* counter : {"sqsCount", "units"}) {
      packet["stats"].as_object()[counter] =
          RequireInt(packet["stats"].as_object(), counter, 0, INT64_MAX,
                     "Records[0].body.stats.", 0);
    }
    RequireInt(packet, "todo", 0, INT64_MAX, "Records[0].body.");
    RequireInt(packet, "unitMs", 0, 900000, "Records[0].body.");
    DelaysField(packet);
  } catch (const sdk::Error& e) {
    return invalid(e.what());
  }
  return packet;
}

// Whether the packet being worked on is the last message of its queue
// (this one is in flight; nothing else visible, in flight or delayed): only
// then does the part that finishes tear the relay down. Two parts that
// finish at once both see the other's message and neither tears down.
bool LastMessage(const json::value& queue_url, const sdk::Context& ctx) {
  const json::object answer = sdk::CallJson(
      "GetQueueAttributes",
      {{"QueueUrl", queue_url},
       {"AttributeNames",
        {"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
         "ApproximateNumberOfMessagesDelayed"}}},
      ctx);
  int64_t messages = 0;
  if (const json::value* a = answer.if_contains("Attributes");
      a != nullptr && a->is_object()) {
    for (const auto& [name, value] : a->get_object()) {
      if (value.is_string()) {
        messages += std::atoll(std::string(value.get_string()).c_str());
      }
    }
  }
  return messages <= 1;
}

// Works on one packet for as long as the time left allows; returns what
// happened to it.
json::object WorkOn(json::object packet, const sdk::Context& ctx) {
  int64_t todo = packet.at("todo").to_number<int64_t>();
  const int64_t unit_ms = packet.at("unitMs").to_number<int64_t>();

  using Clock = std::chrono::steady_clock;
  // The design's rule: another unit while ceil(1.5 × the last unit's ms)
  // < the time left; RESERVE_MS (default 0) is kept back on top, for the
  // relayPass that follows.
  static const int64_t reserve_ms =
      std::max<int64_t>(std::atoll(sdk::EnvOr("RESERVE_MS", "0").c_str()), 0);
  double last_unit_ms = 0;  // the first unit always gets its chance
  int64_t done = 0;
  while (todo > 0 &&
         static_cast<int64_t>(std::ceil(1.5 * last_unit_ms)) + reserve_ms <
             ctx.RemainingTimeMs()) {
    const Clock::time_point start = Clock::now();
    std::this_thread::sleep_for(std::chrono::milliseconds(unit_ms));
    last_unit_ms =
        std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    --todo;
    ++done;
  }
  json::object& stats = packet["stats"].as_object();
  stats["units"] = stats["units"].to_number<int64_t>() + done;
  packet["todo"] = todo;
  // One log line per hop (the invocation's LogResult).
  std::fprintf(stderr,
               "relay %s: %lld units done (last %.1f ms), %lld left, %lld ms "
               "remaining\n",
               std::string(packet.at("QueueUrl").get_string()).c_str(),
               static_cast<long long>(done), last_unit_ms,
               static_cast<long long>(todo),
               static_cast<long long>(ctx.RemainingTimeMs()));

  bool tore_down = false;
  if (todo > 0) {
    RelayPass(packet, ctx);
  } else {
    const std::string url = sdk::EnvOr("RESULT_URL", "");
    if (!url.empty()) {
      const int64_t left = std::max<int64_t>(ctx.RemainingTimeMs(), 1);
      sdk::HttpResult r = sdk::HttpPost(
          url, json::serialize(packet), {{"Content-Type", "application/json"}},
          static_cast<int>(std::min<int64_t>(left, 10000)));
      if (!r.ok()) throw sdk::Error("ResultPostFailed", url + ": " + r.error);
    }
    if (LastMessage(packet.at("QueueUrl"), ctx)) {
      tore_down = true;
      sdk::CallJson(
          "Invoke",
          {{"FunctionName", sdk::EnvOr("TEARDOWN_FUNCTION", "teardown")},
           {"InvocationType", "Event"},
           {"Payload",
            json::serialize(json::object{{"QueueUrl", packet.at("QueueUrl")},
                                         {"UUID", packet.at("UUID")}})}},
          ctx);
    }
  }
  return {{"unitsDone", done},
          {"todo", todo},
          {"relayed", todo > 0},
          {"tearDown", tore_down},
          {"stats", packet.at("stats")}};
}

std::string Worker(const std::string& event_text, const sdk::Context& ctx) {
  const json::object event = sdk::ParseObject(event_text, "the event");
  std::optional<json::object> packet = GetRelayPkt(event);
  if (!packet) {
    return json::serialize(json::object{{"packet", nullptr}});
  }
  return json::serialize(
      json::object{{"packet", WorkOn(std::move(*packet), ctx)}});
}

// ------------------------------------------------------------- teardown

std::string Teardown(const std::string& event_text, const sdk::Context& ctx) {
  const json::object event = sdk::ParseObject(event_text, "the event");
  const std::string queue_url = RequireString(event, "QueueUrl", "");
  const std::string uuid = RequireString(event, "UUID", "");
  sdk::CallJson("DeleteEventSourceMapping", {{"UUID", uuid}}, ctx);
  sdk::CallJson("DeleteQueue", {{"QueueUrl", queue_url}}, ctx);
  return json::serialize(
      json::object{{"QueueUrl", queue_url}, {"UUID", uuid}, {"deleted", true}});
}

}  // namespace

int main(int argc, char** argv) {
  const std::string role = argc == 2 ? argv[1] : "";
  sdk::Handler handler;
  if (role == "setup") {
    handler = Setup;
  } else if (role == "worker") {
    handler = Worker;
  } else if (role == "teardown") {
    handler = Teardown;
  } else {
    std::fputs(kUsage, stderr);
    return 2;
  }
  return sdk::Run(handler);
}
