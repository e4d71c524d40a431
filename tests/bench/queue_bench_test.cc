// The queue bench driver must account for every message it sends; its
// figures are printed, never asserted (CI machines are noisy).
#include "bench/queue_bench.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace fanlab::bench {
namespace {

TEST(QueueBenchTest, EmbeddedRunDeletesEveryMessageItSends) {
  QueueBenchOptions o;
  o.messages = 2000;
  o.producers = 2;
  o.consumers = 2;
  o.round_trips = 200;
  std::string error;
  QueueBenchResult r = RunQueueBench(o, error);
  ASSERT_EQ(error, "");
  EXPECT_EQ(r.messages, 2000u);
  EXPECT_GT(r.messages_per_second, 0);
  EXPECT_GT(r.raw_round_trips_per_second, 0);
  EXPECT_GT(r.p99_us, 0);
  EXPECT_GE(r.p99_us, r.p50_us);
  EXPECT_TRUE(r.endpoint.starts_with("ipc://")) << r.endpoint;
}

TEST(QueueBenchTest, ADataDirRunsInterleavedOnADurableEngineBesideTheFloor) {
  char pattern[] = "/tmp/fanlab-bench-data-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  QueueBenchOptions o;
  o.messages = 1000;
  o.round_trips = 100;
  o.data_dir = pattern;
  o.durable_repeats = 2;
  std::string error;
  QueueBenchResult r = RunQueueBench(o, error);
  ASSERT_EQ(error, "");
  EXPECT_GT(r.messages_per_second, 0);
  EXPECT_GT(r.durable_messages_per_second, 0);
  EXPECT_GT(r.durable_unbatched_round_trips_per_second, 0);
  EXPECT_GT(r.durable_vs_memory_ratio, 0);
  // Interleaved repeats on both engines: best >= median, CPU per message.
  EXPECT_EQ(r.durable_repeats, 2);
  EXPECT_GE(r.memory_best_messages_per_second,
            r.memory_median_messages_per_second);
  EXPECT_GE(r.durable_messages_per_second,
            r.durable_median_messages_per_second);
  EXPECT_GT(r.memory_cpu_us_per_message, 0);
  EXPECT_GT(r.durable_cpu_us_per_message, 0);
  EXPECT_GT(r.durable_vs_memory_cpu_ratio, 0);
  EXPECT_TRUE(std::filesystem::exists(std::string(pattern) + "/state"));
  std::string text = FormatQueueBench(r, false);
  EXPECT_NE(text.find("--data-dir / in memory (best messages/s)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("in memory / --data-dir (CPU per message)"),
            std::string::npos)
      << text;
  EXPECT_NE(FormatQueueBench(r, true).find("\"durable_vs_memory_ratio\""),
            std::string::npos);
  std::filesystem::remove_all(pattern);
}

TEST(QueueBenchTest, UnreachableEndpointIsAnErrorNotAHang) {
  QueueBenchOptions o;
  o.endpoint = "ipc:///tmp/fanlab-no-such-server.sock";
  o.messages = 10;
  o.setup_timeout_ms = 200;
  std::string error;
  RunQueueBench(o, error);
  EXPECT_NE(error.find("fanlab server"), std::string::npos) << error;
}

}  // namespace
}  // namespace fanlab::bench
