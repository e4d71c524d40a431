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
  // With data_dir: the pipelined run is repeated this many times on each
  // engine, interleaved (memory, durable, durable, memory, ...), each of
  // messages / 2 messages, so both see the same machine load.
  int durable_repeats = 3;
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
  // With a data_dir, from the interleaved repeats: each engine's best
  // pipelined messages/s (load from elsewhere only ever slows a run, so
  // the best is the steadiest figure) and median, and the durable
  // engine's best over the in-memory engine's best (target >= 0.5). The
  // engine thread's CPU time per message (user + sys, median of the
  // repeats) does not depend on the load at all: the in-memory engine's
  // over the durable engine's is the same comparison by CPU.
  double memory_best_messages_per_second = 0;
  double memory_median_messages_per_second = 0;
  double durable_messages_per_second = 0;  // best
  double durable_median_messages_per_second = 0;
  double durable_unbatched_round_trips_per_second = 0;
  double durable_vs_memory_ratio = 0;
  double memory_cpu_us_per_message = 0;
  double durable_cpu_us_per_message = 0;
  double durable_vs_memory_cpu_ratio = 0;
  int durable_repeats = 0;
};

// Returns an error text in `error` (and a zeroed result) when the run could
// not be made (no server, requests refused).
QueueBenchResult RunQueueBench(const QueueBenchOptions& options,
                               std::string& error);
std::string FormatQueueBench(const QueueBenchResult& r, bool json);

}  // namespace fanlab::bench

#endif  // FANLAB_BENCH_QUEUE_BENCH_H_
