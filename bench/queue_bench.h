// `fanlab bench queue`: the engine over ZeroMQ, end to end. Producers send
// batches, consumers receive and delete them, all pipelined; then
// unbatched synchronous round trips, and in the same run the floor they
// stand on: a bare ZeroMQ request/reply echo on the same transport.
#ifndef FANLAB_BENCH_QUEUE_BENCH_H_
#define FANLAB_BENCH_QUEUE_BENCH_H_

#include <cstdint>
#include <string>

namespace fanlab::bench {

struct QueueBenchOptions {
  std::string endpoint;  // empty: an embedded engine on an ipc:// socket
  int producers = 1;
  int consumers = 1;
  int batch = 10;
  uint64_t messages = 200000;
  int window = 32;               // requests in flight per client
  uint64_t round_trips = 20000;  // for the unbatched and raw figures
  int setup_timeout_ms = 5000;   // how long to wait for the server to answer
  // With an embedded engine: the same runs again on a second engine that
  // keeps its state in this folder (fanlab serve --data-dir), beside the
  // in-memory figures of the same run; empty: in memory only.
  std::string data_dir;
  bool fsync_always = false;  // that engine's --fsync always
};

struct QueueBenchResult {
  std::string endpoint;
  uint64_t messages = 0;
  double seconds = 0;
  double messages_per_second = 0;  // sent, received and deleted
  double requests_per_second = 0;  // pipelined run
  // The same requests/s measured against a bare echo: the transport's
  // ceiling for the pipelined run on this machine.
  double raw_pipelined_requests_per_second = 0;
  double unbatched_round_trips_per_second = 0;
  double raw_round_trips_per_second = 0;
  double unbatched_vs_raw_ratio = 0;
  double p50_us = 0;  // unbatched round trip latency
  double p99_us = 0;
  // With a data_dir: the durable engine's figures, and its pipelined
  // messages/s over the in-memory engine's (target >= 0.5).
  double durable_messages_per_second = 0;
  double durable_unbatched_round_trips_per_second = 0;
  double durable_vs_memory_ratio = 0;
};

// Returns an error text in `error` (and a zeroed result) when the run could
// not be made (no server, requests refused).
QueueBenchResult RunQueueBench(const QueueBenchOptions& options,
                               std::string& error);
std::string FormatQueueBench(const QueueBenchResult& r, bool json);

}  // namespace fanlab::bench

#endif  // FANLAB_BENCH_QUEUE_BENCH_H_
