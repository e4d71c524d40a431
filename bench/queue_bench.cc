#include "bench/queue_bench.h"

#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "bench/progress.h"
#include "emulator/api/sqs_json.h"
#include "emulator/core/common_errors.h"
#include "emulator/engine.h"
#include "emulator/transport/client.h"
#include "emulator/transport/echo.h"
#include "emulator/transport/sqs_client.h"

namespace fanlab::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr double kMessagesTarget = 500000;
constexpr double kRatioTarget = 0.8;
constexpr double kDurableTarget = 0.5;

double Since(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

// Producers: pipelined SendMessageBatch until `quota` messages are sent.
void Produce(transport::Context& ctx, const std::string& endpoint,
             const std::string& url, const QueueBenchOptions& o, uint64_t quota,
             std::atomic<bool>& failed) {
  transport::Client client(ctx, endpoint);
  queue::SendMessageBatchRequest batch{url, {}};
  for (int i = 0; i < o.batch; ++i) {
    batch.entries.push_back(
        {.id = "m" + std::to_string(i), .message_body = std::string(100, 'x')});
  }
  const std::string body = api::WriteShape(batch);
  uint64_t sent = 0, acked = 0;
  int in_flight = 0;
  while (acked < quota && !failed) {
    while (in_flight < o.window && sent < quota) {
      client.Send("SendMessageBatch", body);
      sent += o.batch;
      ++in_flight;
    }
    auto r = client.Receive(milliseconds(30000));
    if (!r || !r->ok) {
      failed = true;
      return;
    }
    --in_flight;
    acked += o.batch;
  }
}

// Consumers: pipelined ReceiveMessage; each reply's handles go straight
// back in one DeleteMessageBatch. Stops when `deleted` reaches the total.
void Consume(transport::Context& ctx, const std::string& endpoint,
             const std::string& url, const QueueBenchOptions& o, uint64_t total,
             std::atomic<uint64_t>& deleted, std::atomic<uint64_t>& requests,
             std::atomic<bool>& failed, std::atomic<int64_t>& finished_ns) {
  transport::Client client(ctx, endpoint);
  const std::string receive = api::WriteShape(
      queue::ReceiveMessageRequest{.queue_url = url,
                                   .max_number_of_messages = o.batch,
                                   .wait_time_seconds = 1});
  std::unordered_map<uint64_t, uint64_t> delete_sizes;  // request id -> n
  int in_flight = 0;
  uint64_t local_requests = 0;
  while (deleted < total && !failed) {
    while (in_flight < o.window) {
      client.Send("ReceiveMessage", receive);
      ++in_flight;
    }
    auto r = client.Receive(milliseconds(30000));
    if (!r || !r->ok) {
      failed = true;
      break;
    }
    --in_flight;
    ++local_requests;
    if (auto it = delete_sizes.find(r->request_id); it != delete_sizes.end()) {
      deleted += it->second;
      delete_sizes.erase(it);
      continue;
    }
    auto received = api::ParseShape<queue::ReceiveMessageResponse>(r->body);
    if (!received.ok()) {
      failed = true;
      break;
    }
    if (received->messages.empty()) continue;
    queue::DeleteMessageBatchRequest del{url, {}};
    for (auto& m : received->messages) {
      del.entries.push_back({"d" + std::to_string(del.entries.size()),
                             std::move(m.receipt_handle)});
    }
    uint64_t n = del.entries.size();
    uint64_t id = client.Send("DeleteMessageBatch", api::WriteShape(del));
    delete_sizes[id] = n;
    ++in_flight;
  }
  // The run ends at the last acknowledged delete, not after the drain
  // below (parked receives wait out their WaitTimeSeconds).
  int64_t unset = 0;
  finished_ns.compare_exchange_strong(
      unset, SteadyClock::now().time_since_epoch().count());
  // Drain what is still in flight so the engine is quiet for the next run.
  while (in_flight-- > 0 && client.Receive(milliseconds(3000))) {
  }
  requests += local_requests;
}

// Synchronous round trips; returns per-call latencies in microseconds.
std::vector<double> RoundTrips(transport::Context& ctx,
                               const std::string& endpoint,
                               std::string_view action, const std::string& body,
                               uint64_t n, double& seconds, bool& ok) {
  transport::Client client(ctx, endpoint);
  std::vector<double> latencies;
  latencies.reserve(n);
  auto start = SteadyClock::now();
  for (uint64_t i = 0; i < n; ++i) {
    auto t0 = SteadyClock::now();
    auto r = client.Call(action, body, milliseconds(30000));
    if (!r.ok()) {
      ok = false;
      break;
    }
    latencies.push_back(
        std::chrono::duration<double, std::micro>(SteadyClock::now() - t0)
            .count());
  }
  seconds = Since(start);
  return latencies;
}

// Pipelined request/reply against the echo floor: `window` requests of
// `body` in flight from one client; returns requests per second.
double PipelinedEcho(transport::Context& ctx, const std::string& endpoint,
                     const std::string& body, int window, uint64_t n,
                     bool& ok) {
  transport::Client client(ctx, endpoint);
  uint64_t sent = 0, answered = 0;
  int in_flight = 0;
  auto start = SteadyClock::now();
  while (answered < n) {
    while (in_flight < window && sent < n) {
      client.Send("SendMessageBatch", body);
      ++sent;
      ++in_flight;
    }
    if (!client.Receive(milliseconds(30000))) {
      ok = false;
      return 0;
    }
    --in_flight;
    ++answered;
  }
  return double(n) / Since(start);
}

// CPU time (user + sys) the thread has used so far, in seconds.
double ThreadCpuSeconds(std::thread& thread) {
  clockid_t id;
  if (pthread_getcpuclockid(thread.native_handle(), &id) != 0) return 0;
  timespec ts{};
  if (clock_gettime(id, &ts) != 0) return 0;
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  size_t k = std::min(v.size() - 1, size_t(p * double(v.size())));
  std::nth_element(v.begin(), v.begin() + long(k), v.end());
  return v[k];
}

}  // namespace

// A fresh directory for the bench's ipc:// sockets, removed with everything
// in it when the bench ends (a bench leaves nothing in /tmp).
class SocketDir {
 public:
  SocketDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "fanlab-bench-XXXXXX")
            .string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~SocketDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  SocketDir(const SocketDir&) = delete;
  SocketDir& operator=(const SocketDir&) = delete;
  // "ipc://<dir>/<name>.sock" (under /tmp when the directory failed).
  std::string Endpoint(const std::string& name) const {
    return "ipc://" + (path_.empty() ? std::string("/tmp") : path_) + "/" +
           name + ".sock";
  }

 private:
  std::string path_;
};

// The batched, pipelined run: producers and consumers on `url`.
static bool Pipelined(transport::Context& ctx, const std::string& endpoint,
                      const std::string& url, const QueueBenchOptions& o,
                      QueueBenchResult& r, std::string& error) {
  std::atomic<bool> failed{false};
  std::atomic<uint64_t> deleted{0}, requests{0};
  std::atomic<int64_t> finished_ns{0};
  const uint64_t per_producer =
      (o.messages / o.producers + o.batch - 1) / o.batch * o.batch;
  const uint64_t total = per_producer * o.producers;
  auto start = SteadyClock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < o.producers; ++i) {
    threads.emplace_back(
        [&] { Produce(ctx, endpoint, url, o, per_producer, failed); });
  }
  for (int i = 0; i < o.consumers; ++i) {
    threads.emplace_back([&] {
      Consume(ctx, endpoint, url, o, total, deleted, requests, failed,
              finished_ns);
    });
  }
  for (auto& t : threads) t.join();
  r.seconds =
      std::chrono::duration<double>(
          SteadyClock::time_point(SteadyClock::duration(finished_ns)) - start)
          .count();
  if (failed) {
    error = "a request failed or timed out during the pipelined run";
    return false;
  }
  r.messages = deleted;
  r.messages_per_second = double(deleted) / r.seconds;
  r.requests_per_second =
      double(requests + total / uint64_t(o.batch)) / r.seconds;

  return true;
}

// The durable engine's figures beside the in-memory engine's: the
// pipelined run repeated on each, interleaved, with each engine thread's
// CPU time; then the durable engine's unbatched round trips.
static bool DurableRuns(transport::Context& ctx,
                        const std::string& durable_endpoint,
                        const std::string& memory_endpoint,
                        std::thread& memory_thread, const std::string& name,
                        const QueueBenchOptions& o, QueueBenchResult& r,
                        std::string& error) {
  EngineOptions options;
  options.data_dir = o.data_dir;
  if (o.fsync_always) options.fsync = persist::FsyncPolicy::kAlways;
  auto durable = Engine::Create(options, ctx);
  if (!durable.ok()) {
    error = "--data-dir " + o.data_dir + ": " + durable.status().message();
    return false;
  }
  auto bound = (*durable)->Bind(durable_endpoint);
  if (!bound.ok()) {
    error = bound.status().message();
    return false;
  }
  std::thread durable_thread([&] { (*durable)->Run(); });
  auto stop = [&] {
    (*durable)->Stop();
    durable_thread.join();
  };
  transport::SqsClient client(ctx, *bound, milliseconds(o.setup_timeout_ms));
  auto created = client.CreateQueue({.queue_name = name + "-durable"});
  if (!created.ok()) {
    error = created.status().ToString();
    stop();
    return false;
  }
  const std::string durable_url = created->queue_url;
  // A fresh queue on the in-memory engine too (the round trips above left
  // messages in the first one).
  transport::SqsClient memory_client(ctx, memory_endpoint,
                                     milliseconds(o.setup_timeout_ms));
  auto memory_created =
      memory_client.CreateQueue({.queue_name = name + "-memory"});
  if (!memory_created.ok()) {
    error = memory_created.status().ToString();
    stop();
    return false;
  }
  const std::string memory_url = memory_created->queue_url;
  QueueBenchOptions each = o;
  each.messages = std::max<uint64_t>(o.messages / 2, uint64_t(o.batch));
  std::vector<double> memory_rates, durable_rates, memory_cpu, durable_cpu;
  const int repeats = std::max(1, o.durable_repeats);
  for (int i = 0; i < 2 * repeats; ++i) {
    // memory, durable, durable, memory, memory, durable, ...
    bool on_durable = (i % 4 == 1 || i % 4 == 2);
    std::thread& thread = on_durable ? durable_thread : memory_thread;
    double cpu_before = ThreadCpuSeconds(thread);
    QueueBenchResult run;
    if (!Pipelined(ctx, on_durable ? *bound : memory_endpoint,
                   on_durable ? durable_url : memory_url, each, run, error)) {
      stop();
      return false;
    }
    double cpu_us = (ThreadCpuSeconds(thread) - cpu_before) * 1e6 /
                    double(std::max<uint64_t>(run.messages, 1));
    (on_durable ? durable_rates : memory_rates)
        .push_back(run.messages_per_second);
    (on_durable ? durable_cpu : memory_cpu).push_back(cpu_us);
  }
  r.durable_repeats = repeats;
  r.memory_best_messages_per_second =
      *std::max_element(memory_rates.begin(), memory_rates.end());
  r.memory_median_messages_per_second = Median(memory_rates);
  r.durable_messages_per_second =
      *std::max_element(durable_rates.begin(), durable_rates.end());
  r.durable_median_messages_per_second = Median(durable_rates);
  r.durable_vs_memory_ratio =
      r.durable_messages_per_second / r.memory_best_messages_per_second;
  r.memory_cpu_us_per_message = Median(memory_cpu);
  r.durable_cpu_us_per_message = Median(durable_cpu);
  r.durable_vs_memory_cpu_ratio =
      r.durable_cpu_us_per_message > 0
          ? r.memory_cpu_us_per_message / r.durable_cpu_us_per_message
          : 0;

  bool ok = true;
  double seconds = 0;
  const std::string send = api::WriteShape(queue::SendMessageRequest{
      .queue_url = durable_url, .message_body = std::string(100, 'x')});
  auto latencies =
      RoundTrips(ctx, *bound, "SendMessage", send, o.round_trips, seconds, ok);
  r.durable_unbatched_round_trips_per_second =
      double(latencies.size()) / seconds;
  (void)client.DeleteQueue({.queue_url = durable_url});
  (void)memory_client.DeleteQueue({.queue_url = memory_url});
  stop();
  if (!ok) error = "a synchronous round trip to the durable engine timed out";
  return ok;
}

QueueBenchResult RunQueueBench(const QueueBenchOptions& o, std::string& error) {
  QueueBenchResult r;
  SocketDir sockets;  // outlives the context and every socket below
  transport::Context ctx;
  std::unique_ptr<Engine> engine;
  std::thread engine_thread;
  std::string endpoint = o.endpoint;
  const std::string pid = std::to_string(getpid());
  if (endpoint.empty()) {
    engine = std::make_unique<Engine>(EngineOptions{}, ctx);
    auto bound = engine->Bind(sockets.Endpoint("engine"));
    if (!bound.ok()) {
      error = bound.status().message();
      return r;
    }
    endpoint = *bound;
    engine_thread = std::thread([&] { engine->Run(); });
  }
  auto stop_engine = [&] {
    if (engine) {
      engine->Stop();
      engine_thread.join();
    }
  };
  r.endpoint = endpoint;

  // Set up a fresh queue.
  const std::string name = "fanlab-bench-" + pid;
  std::string url;
  {
    transport::SqsClient client(ctx, endpoint,
                                milliseconds(o.setup_timeout_ms));
    auto created = client.CreateQueue({.queue_name = name});
    if (!created.ok()) {
      error = created.status().ToString();
      if (created.status().code() == common::kInternalError) {
        error += " Is a fanlab server listening there?";
      }
      stop_engine();
      return r;
    }
    url = created->queue_url;
  }

  // 1. Batched, pipelined producers and consumers.
  BenchStage("batched, pipelined messages");
  if (!Pipelined(ctx, endpoint, url, o, r, error)) {
    stop_engine();
    return r;
  }

  // 2. Unbatched synchronous round trips (SendMessage of 100 bytes).
  BenchStage("unbatched round trips");
  bool ok = true;
  double seconds = 0;
  const std::string send = api::WriteShape(queue::SendMessageRequest{
      .queue_url = url, .message_body = std::string(100, 'x')});
  auto latencies = RoundTrips(ctx, endpoint, "SendMessage", send, o.round_trips,
                              seconds, ok);
  r.unbatched_round_trips_per_second = double(latencies.size()) / seconds;
  r.p50_us = Percentile(latencies, 0.50);
  r.p99_us = Percentile(latencies, 0.99);
  // 2b. With a data dir: a second engine keeping its state there, and the
  // pipelined run repeated on both engines, interleaved.
  if (!o.data_dir.empty() && o.endpoint.empty()) {
    BenchStage("--data-dir against in memory, interleaved");
    if (!DurableRuns(ctx, sockets.Endpoint("durable"), endpoint, engine_thread,
                     name, o, r, error)) {
      stop_engine();
      return r;
    }
  }
  {
    transport::SqsClient client(ctx, endpoint, milliseconds(5000));
    (void)client.DeleteQueue({.queue_url = url});
  }
  stop_engine();

  // 3. The floor: a bare echo on the same kind of transport.
  BenchStage("the floor (a bare ZeroMQ echo)");
  std::string echo_endpoint = sockets.Endpoint("echo");
  if (endpoint.starts_with("tcp://")) echo_endpoint = "tcp://127.0.0.1:*";
  if (endpoint.starts_with("inproc://")) echo_endpoint = "inproc://echo";
  {
    transport::EchoServer echo(ctx, echo_endpoint);
    RoundTrips(ctx, echo.endpoint(), "SendMessage", send, o.round_trips,
               seconds, ok);
    r.raw_round_trips_per_second = double(o.round_trips) / seconds;
    // The batched run's ceiling: its largest request, pipelined.
    queue::SendMessageBatchRequest batch{url, {}};
    for (int i = 0; i < o.batch; ++i) {
      batch.entries.push_back({.id = "m" + std::to_string(i),
                               .message_body = std::string(100, 'x')});
    }
    r.raw_pipelined_requests_per_second =
        PipelinedEcho(ctx, echo.endpoint(), api::WriteShape(batch), o.window,
                      std::max<uint64_t>(o.round_trips, 50000), ok);
  }
  r.unbatched_vs_raw_ratio =
      r.raw_round_trips_per_second > 0
          ? r.unbatched_round_trips_per_second / r.raw_round_trips_per_second
          : 0;
  if (!ok) error = "a synchronous round trip timed out";
  return r;
}

std::string FormatQueueBench(const QueueBenchResult& r, bool json_out) {
  char buf[2048];
  if (json_out) {
    std::snprintf(
        buf, sizeof buf,
        "{\"endpoint\": \"%s\", \"messages\": %llu, \"seconds\": %.3f, "
        "\"messages_per_second\": %.0f, \"requests_per_second\": %.0f, "
        "\"raw_pipelined_requests_per_second\": %.0f, "
        "\"unbatched_round_trips_per_second\": %.0f, "
        "\"raw_round_trips_per_second\": %.0f, "
        "\"unbatched_vs_raw_ratio\": %.3f, \"p50_us\": %.1f, "
        "\"p99_us\": %.1f, \"target_messages_per_second\": %.0f, "
        "\"target_unbatched_vs_raw_ratio\": %.2f, "
        "\"durable_messages_per_second\": %.0f, "
        "\"durable_unbatched_round_trips_per_second\": %.0f, "
        "\"durable_vs_memory_ratio\": %.3f, "
        "\"target_durable_vs_memory_ratio\": %.2f, "
        "\"durable_repeats\": %d, "
        "\"memory_best_messages_per_second\": %.0f, "
        "\"memory_median_messages_per_second\": %.0f, "
        "\"durable_median_messages_per_second\": %.0f, "
        "\"memory_cpu_us_per_message\": %.3f, "
        "\"durable_cpu_us_per_message\": %.3f, "
        "\"durable_vs_memory_cpu_ratio\": %.3f}\n",
        r.endpoint.c_str(), (unsigned long long)r.messages, r.seconds,
        r.messages_per_second, r.requests_per_second,
        r.raw_pipelined_requests_per_second, r.unbatched_round_trips_per_second,
        r.raw_round_trips_per_second, r.unbatched_vs_raw_ratio, r.p50_us,
        r.p99_us, kMessagesTarget, kRatioTarget, r.durable_messages_per_second,
        r.durable_unbatched_round_trips_per_second, r.durable_vs_memory_ratio,
        kDurableTarget, r.durable_repeats, r.memory_best_messages_per_second,
        r.memory_median_messages_per_second,
        r.durable_median_messages_per_second, r.memory_cpu_us_per_message,
        r.durable_cpu_us_per_message, r.durable_vs_memory_cpu_ratio);
    return buf;
  }
  std::snprintf(
      buf, sizeof buf,
      "fanlab bench queue (%s)\n"
      "  %-40s %12s %12s\n"
      "  %-40s %12.0f %12.0f %s\n"
      "  %-40s %12.0f %12s\n"
      "  %-40s %12.0f %12s\n"
      "  %-40s %12.0f %12s\n"
      "  %-40s %12.0f %12s\n"
      "  %-40s %12.3f %12.2f %s\n"
      "  %-40s %12.1f %12s\n"
      "  %-40s %12.1f %12s\n",
      r.endpoint.c_str(), "figure", "measured", "target",
      "messages/s (batched, pipelined)", r.messages_per_second, kMessagesTarget,
      r.messages_per_second >= kMessagesTarget ? "ok" : "BELOW",
      "requests/s (pipelined run)", r.requests_per_second, "-",
      "floor: raw ZeroMQ pipelined echo req/s",
      r.raw_pipelined_requests_per_second, "-", "unbatched round trips/s",
      r.unbatched_round_trips_per_second, "-",
      "floor: raw ZeroMQ echo round trips/s", r.raw_round_trips_per_second, "-",
      "unbatched / raw", r.unbatched_vs_raw_ratio, kRatioTarget,
      r.unbatched_vs_raw_ratio >= kRatioTarget ? "ok" : "BELOW",
      "round trip p50 (us)", r.p50_us, "-", "round trip p99 (us)", r.p99_us,
      "-");
  std::string out = buf;
  if (r.durable_messages_per_second > 0) {
    std::snprintf(
        buf, sizeof buf,
        "  --data-dir against in memory: %d interleaved runs each, best "
        "(median)\n"
        "  %-40s %12.0f %12s (%.0f)\n"
        "  %-40s %12.0f %12s (%.0f)\n"
        "  %-40s %12.0f %12s\n"
        "  %-40s %12.3f %12.2f %s\n"
        "  %-40s %12.3f %12s\n"
        "  %-40s %12.3f %12s\n"
        "  %-40s %12.3f %12.2f %s\n",
        r.durable_repeats, "in memory: messages/s (batched)",
        r.memory_best_messages_per_second, "-",
        r.memory_median_messages_per_second, "--data-dir: messages/s (batched)",
        r.durable_messages_per_second, "-",
        r.durable_median_messages_per_second,
        "--data-dir: unbatched round trips/s",
        r.durable_unbatched_round_trips_per_second, "-",
        "--data-dir / in memory (best messages/s)", r.durable_vs_memory_ratio,
        kDurableTarget,
        r.durable_vs_memory_ratio >= kDurableTarget ? "ok" : "BELOW",
        "in memory: engine CPU us/message", r.memory_cpu_us_per_message, "-",
        "--data-dir: engine CPU us/message", r.durable_cpu_us_per_message, "-",
        "in memory / --data-dir (CPU per message)",
        r.durable_vs_memory_cpu_ratio, kDurableTarget,
        r.durable_vs_memory_cpu_ratio >= kDurableTarget ? "ok" : "BELOW");
    out += buf;
  }
  return out;
}

}  // namespace fanlab::bench
