// The queue bench driver must account for every message it sends; its
// figures are printed, never asserted (CI machines are noisy).
#include "bench/queue_bench.h"

#include <gtest/gtest.h>

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
