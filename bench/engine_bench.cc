#include "bench/engine_bench.h"

#include <malloc.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <deque>
#include <fstream>
#include <string>
#include <vector>

#include "bench/progress.h"
#include "emulator/core/clock.h"
#include "emulator/queue/queue_service.h"

namespace fanlab::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr double kLifecycleTarget = 1000000;
constexpr double kBytesTarget = 400;

// jemalloc's control interface, present when the binary links jemalloc
// (the fanlab executable does; tests do not).
extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp,
                       void* newp, size_t newlen) __attribute__((weak));

// Bytes the program holds on the heap, from whichever allocator serves it.
uint64_t HeapInUse() {
  if (mallctl != nullptr) {
    uint64_t epoch = 1;
    size_t size = sizeof epoch;
    mallctl("epoch", &epoch, &size, &epoch, size);  // refresh the stats
    size_t allocated = 0;
    size = sizeof allocated;
    if (mallctl("stats.allocated", &allocated, &size, nullptr, 0) == 0) {
      return allocated;
    }
  }
  return mallinfo2().uordblks;
}

uint64_t RssBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

std::string Body(size_t bytes, uint64_t i) {
  std::string body = std::to_string(i);
  body.resize(bytes, 'x');
  return body;
}

queue::SendMessageBatchRequest MakeBatch(const std::string& url, size_t batch,
                                         size_t body_bytes) {
  queue::SendMessageBatchRequest req;
  req.queue_url = url;
  for (size_t i = 0; i < batch; ++i) {
    req.entries.push_back({"m" + std::to_string(i), Body(body_bytes, i)});
  }
  return req;
}

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fanlab bench engine: %s failed\n", what);
    std::exit(1);
  }
}

// Send, receive and delete in batches until `seconds` pass.
void MeasureLifecycles(const EngineBenchOptions& o, EngineBenchResult& r) {
  RealClock clock;
  queue::QueueService service(clock);
  auto created = service.CreateQueue({"bench-lifecycle", {}, {}});
  Check(created.ok(), "CreateQueue");
  const std::string url = created->queue_url;
  auto send = MakeBatch(url, o.batch, o.body_bytes);
  queue::ReceiveMessageRequest receive;
  receive.queue_url = url;
  receive.max_number_of_messages = static_cast<int64_t>(o.batch);
  queue::DeleteMessageBatchRequest del;
  del.queue_url = url;

  uint64_t done = 0;
  auto start = SteadyClock::now();
  auto deadline = start + std::chrono::duration<double>(o.seconds);
  while (true) {
    for (int round = 0; round < 64; ++round) {
      auto sent = service.SendMessageBatch(send);
      Check(sent.ok() && sent->failed.empty(), "SendMessageBatch");
      auto got = service.ReceiveMessageNow(receive);
      Check(got.ok() && got->messages.size() == o.batch, "ReceiveMessage");
      del.entries.clear();
      for (size_t i = 0; i < got->messages.size(); ++i) {
        del.entries.push_back(
            {send.entries[i].id, std::move(got->messages[i].receipt_handle)});
      }
      auto deleted = service.DeleteMessageBatch(del);
      Check(deleted.ok() && deleted->failed.empty(), "DeleteMessageBatch");
      done += o.batch;
    }
    if (SteadyClock::now() >= deadline) break;
  }
  r.lifecycles = done;
  r.lifecycle_seconds =
      std::chrono::duration<double>(SteadyClock::now() - start).count();
  r.lifecycles_per_second = double(done) / r.lifecycle_seconds;
}

// The same bodies through a plain deque: allocation and copies only.
void MeasureFloor(const EngineBenchOptions& o, EngineBenchResult& r) {
  auto send = MakeBatch("", o.batch, o.body_bytes);
  std::deque<std::string> q;
  uint64_t done = 0;
  size_t checksum = 0;
  auto start = SteadyClock::now();
  auto deadline = start + std::chrono::duration<double>(o.seconds / 2);
  while (SteadyClock::now() < deadline) {
    for (int round = 0; round < 64; ++round) {
      for (const auto& e : send.entries) q.push_back(e.message_body);
      std::vector<std::string> out;
      out.reserve(o.batch);
      for (size_t i = 0; i < o.batch; ++i) {
        out.push_back(q.front());  // the copy a response carries
        q.pop_front();
      }
      checksum += out.back().size();
      done += o.batch;
    }
  }
  double s = std::chrono::duration<double>(SteadyClock::now() - start).count();
  r.floor_per_second = checksum > 0 ? double(done) / s : 0;
}

void MeasureMemory(const EngineBenchOptions& o, EngineBenchResult& r) {
  RealClock clock;
  queue::QueueService service(clock);
  auto created = service.CreateQueue({"bench-memory", {}, {}});
  Check(created.ok(), "CreateQueue");
  auto send = MakeBatch(created->queue_url, o.batch, o.body_bytes);
  malloc_trim(0);
  uint64_t heap_before = HeapInUse();
  uint64_t rss_before = RssBytes();
  uint64_t n = 0;
  while (n < o.memory_messages) {
    auto sent = service.SendMessageBatch(send);
    Check(sent.ok() && sent->failed.empty(), "SendMessageBatch");
    n += o.batch;
  }
  auto depth = service.Depth("bench-memory");
  Check(depth.ok() && depth->visible == n, "queue depth");
  r.memory_messages = n;
  r.bytes_per_message = double(HeapInUse() - heap_before) / double(n);
  r.rss_bytes = RssBytes();
  r.rss_bytes_per_message = double(r.rss_bytes - rss_before) / double(n);
}

}  // namespace

EngineBenchResult RunEngineBench(const EngineBenchOptions& options) {
  EngineBenchResult r;
  BenchStage("the floor (the same bodies through a deque)");
  MeasureFloor(options, r);
  BenchStage("message lifecycles");
  MeasureLifecycles(options, r);
  BenchStage("bytes per queued message");
  MeasureMemory(options, r);
  return r;
}

std::string FormatEngineBench(const EngineBenchResult& r, bool json) {
  char buf[2048];
  double ratio =
      r.floor_per_second > 0 ? r.lifecycles_per_second / r.floor_per_second : 0;
  if (json) {
    std::snprintf(
        buf, sizeof buf,
        "{\"lifecycles_per_second\": %.0f, \"lifecycles\": %llu, "
        "\"seconds\": %.3f, \"floor_per_second\": %.0f, "
        "\"lifecycles_vs_floor\": %.4f, \"bytes_per_message\": %.1f, "
        "\"rss_bytes_per_message\": %.1f, \"rss_bytes\": %llu, "
        "\"memory_messages\": %llu, \"target_lifecycles_per_second\": %.0f, "
        "\"target_bytes_per_message\": %.0f}\n",
        r.lifecycles_per_second, (unsigned long long)r.lifecycles,
        r.lifecycle_seconds, r.floor_per_second, ratio, r.bytes_per_message,
        r.rss_bytes_per_message, (unsigned long long)r.rss_bytes,
        (unsigned long long)r.memory_messages, kLifecycleTarget, kBytesTarget);
    return buf;
  }
  std::snprintf(
      buf, sizeof buf,
      "fanlab bench engine (in process, one core, batches of 10, 100-byte "
      "bodies)\n"
      "  %-34s %14s %14s %8s\n"
      "  %-34s %14.0f %14.0f %8s\n"
      "  %-34s %14.0f %14s %8s\n"
      "  %-34s %14.4f %14s %8s\n"
      "  %-34s %14.1f %14.0f %8s\n"
      "  %-34s %14.1f %14s %8s\n"
      "  %-34s %14.1f %14s %8s\n",
      "figure", "measured", "target", "", "lifecycles/s (send+receive+delete)",
      r.lifecycles_per_second, kLifecycleTarget,
      r.lifecycles_per_second >= kLifecycleTarget ? "ok" : "BELOW",
      "floor: alloc+copy+free /s", r.floor_per_second, "-", "",
      "lifecycles / floor", ratio, "-", "", "heap bytes per queued message",
      r.bytes_per_message, kBytesTarget,
      r.bytes_per_message <= kBytesTarget ? "ok" : "ABOVE",
      "RSS bytes per queued message", r.rss_bytes_per_message, "-", "",
      "process RSS, all queued (MB)", double(r.rss_bytes) / 1e6, "-", "");
  return buf;
}

}  // namespace fanlab::bench
