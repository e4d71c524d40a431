// Micro-benchmarks of the queue engine's actions (Google Benchmark).
#include <benchmark/benchmark.h>

#include "emulator/core/checksum.h"
#include "emulator/core/clock.h"
#include "emulator/core/digest.h"
#include "emulator/queue/queue_service.h"

namespace fanlab::queue {
namespace {

std::string MakeQueue(QueueService& s, const std::string& name) {
  AttributeMap attrs;
  if (name.ends_with(".fifo")) {
    attrs = {{"FifoQueue", "true"}, {"ContentBasedDeduplication", "true"}};
  }
  return s.CreateQueue({name, attrs, {}})->queue_url;
}

void BM_Md5Of100Bytes(benchmark::State& state) {
  std::string body(100, 'x');
  for (auto _ : state) benchmark::DoNotOptimize(Md5(body));
}
BENCHMARK(BM_Md5Of100Bytes);

// The journal's per-record checksum: a message record is about 250 bytes.
void BM_Crc32cOf256Bytes(benchmark::State& state) {
  std::string record(256, 'x');
  for (auto _ : state) benchmark::DoNotOptimize(Crc32c(record));
}
BENCHMARK(BM_Crc32cOf256Bytes);

void BM_SendMessage(benchmark::State& state) {
  VirtualClock clock;
  QueueService s(clock);
  SendMessageRequest req{MakeQueue(s, "q"), std::string(100, 'x')};
  for (auto _ : state) benchmark::DoNotOptimize(s.SendMessage(req));
}
BENCHMARK(BM_SendMessage);

// Send + receive + delete of `range(0)` messages per batch.
void BM_Lifecycle(benchmark::State& state, const char* name) {
  VirtualClock clock;
  QueueService s(clock);
  const std::string url = MakeQueue(s, name);
  const int64_t batch = state.range(0);
  SendMessageBatchRequest send{url, {}};
  for (int64_t i = 0; i < batch; ++i) {
    // Distinct bodies: content-based dedup must not drop them.
    send.entries.push_back({"e" + std::to_string(i), std::string(100, 'x')});
    if (std::string(name).ends_with(".fifo")) {
      send.entries.back().message_group_id = "g" + std::to_string(i % 4);
    }
  }
  ReceiveMessageRequest recv;
  recv.queue_url = url;
  recv.max_number_of_messages = batch;
  uint64_t n = 0;
  for (auto _ : state) {
    for (auto& e : send.entries) {
      e.message_body = std::to_string(n++);
      e.message_body.resize(100, 'x');
    }
    auto sent = s.SendMessageBatch(send);
    auto got = s.ReceiveMessageNow(recv);
    DeleteMessageBatchRequest del{url, {}};
    for (size_t i = 0; i < got->messages.size(); ++i) {
      del.entries.push_back(
          {"d" + std::to_string(i), got->messages[i].receipt_handle});
    }
    if (!del.entries.empty())
      benchmark::DoNotOptimize(s.DeleteMessageBatch(del));
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK_CAPTURE(BM_Lifecycle, standard, "q")->Arg(1)->Arg(10);
BENCHMARK_CAPTURE(BM_Lifecycle, fifo, "q.fifo")->Arg(1)->Arg(10);

}  // namespace
}  // namespace fanlab::queue
