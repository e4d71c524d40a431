// fanlab-relay: Relay, long tasks cut into time-limited hops (DESIGN.md
// §1.4). One executable; argv[1] picks the function:
//
//   setup     event {name, units, unitMs, delaySeconds?, custom?}. Creates
//             the standard queue relay-<name> (VisibilityTimeout
//             $VISIBILITY_TIMEOUT), an event source mapping from it onto
//             $WORKER_FUNCTION (BatchSize 1), and sends the first packet
//             {QueueUrl, UUID, stats:{sqsCount:0, units:0, hops:0}, todo,
//             unitMs, delaySeconds, custom}. Returns {QueueUrl, UUID}.
//   worker    the mapping's SQS event (Records, one per batch). For each
//             packet: does units of work (each a real sleep of unitMs,
//             timed) while ceil(1.5 × the last unit's ms) < the remaining
//             time and units remain. Units left: relayPass — sqsCount and
//             hops + 1, the packet sent back to its queue with
//             DelaySeconds = delaySeconds (a packet over 64 KB is refused
//             with PacketTooLarge). None left: POSTs the packet to
//             $RESULT_URL (when set) and invokes $TEARDOWN_FUNCTION
//             (Event) with {QueueUrl, UUID}.
//   teardown  event {QueueUrl, UUID}: DeleteEventSourceMapping(UUID), then
//             DeleteQueue(QueueUrl). Returns {QueueUrl, UUID, deleted:true}.
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

// ---------------------------------------------------------------- setup

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
  const int64_t delay = RequireInt(event, "delaySeconds", 0, 900, "", 0);
  const json::value& custom = Field(event, "custom");
  // The first packet, as it will be but for the URL's host and the
  // mapping's id: refused before anything is created when it is too big.
  const auto first_packet = [&](json::value url, json::value uuid) {
    return json::object{{"QueueUrl", std::move(url)},
                        {"UUID", std::move(uuid)},
                        {"stats", {{"sqsCount", 0}, {"units", 0}, {"hops", 0}}},
                        {"todo", units},
                        {"unitMs", unit_ms},
                        {"delaySeconds", delay},
                        {"custom", custom}};
  };
  PacketBody(
      first_packet(json::string("http://localhost/000000000000/" + queue_name),
                   json::string(36, '0')));

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

  sdk::CallJson("SendMessage",
                {{"QueueUrl", queue_url},
                 {"MessageBody", PacketBody(first_packet(queue_url, uuid))}},
                ctx);
  return json::serialize(json::object{{"QueueUrl", queue_url}, {"UUID", uuid}});
}

// --------------------------------------------------------------- worker

// Sends the packet on to its own queue: the next hop.
void RelayPass(json::object& packet, int64_t delay_seconds,
               const std::string& where, const sdk::Context& ctx) {
  json::object& stats = packet["stats"].as_object();
  for (const char* counter : {"sqsCount", "hops"}) {
    stats[counter] =
        RequireInt(stats, counter, 0, INT64_MAX, where + "stats.", 0) + 1;
  }
  sdk::CallJson("SendMessage",
                {{"QueueUrl", packet.at("QueueUrl")},
                 {"MessageBody", PacketBody(packet)},
                 {"DelaySeconds", delay_seconds}},
                ctx);
}

// Works on one packet for as long as the time left allows; returns what
// happened to it.
json::object WorkOn(json::object packet, const sdk::Context& ctx,
                    const std::string& where) {
  RequireString(packet, "QueueUrl", where);
  RequireString(packet, "UUID", where);
  if (!Field(packet, "stats").is_object()) {
    throw sdk::Error("InvalidInput", where + "stats must be an object");
  }
  int64_t todo = RequireInt(packet, "todo", 0, INT64_MAX, where);
  const int64_t unit_ms = RequireInt(packet, "unitMs", 0, 900000, where);
  const int64_t delay_seconds =
      RequireInt(packet, "delaySeconds", 0, 900, where, 0);

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
  stats["units"] =
      RequireInt(stats, "units", 0, INT64_MAX, where + "stats.", 0) + done;
  packet["todo"] = todo;
  // One log line per hop (the invocation's LogResult).
  std::fprintf(stderr,
               "relay %s: %lld units done (last %.1f ms), %lld left, %lld ms "
               "remaining\n",
               std::string(packet.at("QueueUrl").get_string()).c_str(),
               static_cast<long long>(done), last_unit_ms,
               static_cast<long long>(todo),
               static_cast<long long>(ctx.RemainingTimeMs()));

  if (todo > 0) {
    RelayPass(packet, delay_seconds, where, ctx);
  } else {
    const std::string url = sdk::EnvOr("RESULT_URL", "");
    if (!url.empty()) {
      const int64_t left = std::max<int64_t>(ctx.RemainingTimeMs(), 1);
      sdk::HttpResult r = sdk::HttpPost(
          url, json::serialize(packet), {{"Content-Type", "application/json"}},
          static_cast<int>(std::min<int64_t>(left, 10000)));
      if (!r.ok()) throw sdk::Error("ResultPostFailed", url + ": " + r.error);
    }
    sdk::CallJson(
        "Invoke",
        {{"FunctionName", sdk::EnvOr("TEARDOWN_FUNCTION", "teardown")},
         {"InvocationType", "Event"},
         {"Payload",
          json::serialize(json::object{{"QueueUrl", packet.at("QueueUrl")},
                                       {"UUID", packet.at("UUID")}})}},
        ctx);
  }
  return {{"unitsDone", done},
          {"todo", todo},
          {"relayed", todo > 0},
          {"stats", packet.at("stats")}};
}

std::string Worker(const std::string& event_text, const sdk::Context& ctx) {
  const json::object event = sdk::ParseObject(event_text, "the event");
  const json::value& records = Field(event, "Records");
  if (!records.is_array()) {
    throw sdk::Error("InvalidInput", "Records must be an array (an SQS event)");
  }
  json::array packets;
  for (size_t i = 0; i < records.get_array().size(); ++i) {
    const std::string where = "Records[" + std::to_string(i) + "].body.";
    const json::value& record = records.get_array()[i];
    static const json::value kNull;
    const json::value& body =
        record.is_object() ? Field(record.get_object(), "body") : kNull;
    if (!body.is_string()) {
      throw sdk::Error("InvalidInput", "Records[" + std::to_string(i) +
                                           "].body must be a string");
    }
    packets.push_back(
        WorkOn(sdk::ParseObject(body.get_string(),
                                "Records[" + std::to_string(i) + "].body"),
               ctx, where));
  }
  return json::serialize(json::object{{"packets", std::move(packets)}});
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
