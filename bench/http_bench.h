// `fanlab bench http`: SendMessage over the HTTP front (AWS JSON protocol,
// HTTP/1.1 keep-alive, one request in flight per connection), and in the
// same run the floors it stands on, each under the same load: a bare echo
// on the same HTTP server (transport::HttpServer answering every request
// with its own body, no work done), and below it the least any server
// can do over loopback TCP (bench/tcp_floor.h: a fixed answer per
// fixed-size request, no parsing; an epoll loop, and an io_uring loop
// where the build and kernel have one). The ratio to the echo says how
// much of the HTTP stack's capacity the SQS path keeps; the raw floor
// says what no server on this machine can go below.
//
// With an endpoint, only the SendMessage load runs, against that server
// (another SQS emulator, or a running `fanlab serve --http`): the queue is
// made with CreateQueue and its QueueUrl read from the answer.
//
// The load generator is one thread driving every connection with epoll:
// each request is a prebuilt byte string, each answer is framed by its
// Content-Length. The result gives the CPU share of the client thread and
// of the server (its thread when embedded; its process with a server pid)
// over the measured window: a server near 1.0 and a client thread below
// it mean the server is what was measured.
#ifndef FANLAB_BENCH_HTTP_BENCH_H_
#define FANLAB_BENCH_HTTP_BENCH_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace CLI {
class App;
}

namespace fanlab::bench {

struct HttpBenchOptions {
  // "" runs an embedded engine and the echo; "http://HOST:PORT" (loopback
  // only) loads that server with SendMessage alone.
  std::string endpoint;
  int connections = 16;
  size_t body_bytes = 100;                      // MessageBody
  std::chrono::milliseconds duration{3000};     // each measured load
  std::chrono::milliseconds warmup{300};        // before each, not counted
  std::chrono::milliseconds io_timeout{10000};  // one answer, or fail
  // With an endpoint: the server's process id, whose CPU time (every
  // thread, from /proc/PID/stat) the result then gives; 0: none.
  int server_pid = 0;
};

// One load: requests answered 200 within the window.
struct HttpLoadResult {
  uint64_t requests = 0;
  double seconds = 0;
  double requests_per_second = 0;
  double p50_us = 0;
  double p99_us = 0;
  double client_cpu = 0;  // the load thread's CPU time / wall time
  // The server's (its serving thread's when embedded, its process's with
  // server_pid); 0 when unknown. The CPU time per request holds when the
  // machine is busy with other work, when requests/s do not.
  double server_cpu = 0;
  double server_cpu_us_per_request = 0;
  double client_cpu_us_per_request = 0;
};

struct HttpBenchResult {
  std::string endpoint;  // what was loaded: "embedded" or the URL
  int connections = 0;
  size_t body_bytes = 0;
  HttpLoadResult send;  // SendMessage
  HttpLoadResult echo;  // the bare echo; zero with an endpoint
  // The raw TCP floors (zero with an endpoint; raw_uring zero when
  // io_uring is not available). Their server CPU is the process's less
  // the load thread's: it counts any kernel worker io_uring starts.
  HttpLoadResult raw;
  HttpLoadResult raw_uring;
  bool io_uring = false;
  double send_vs_echo = 0;
  // The same ratio from the server's CPU time per request (echo's over
  // SendMessage's): what the throughput ratio is when the server thread
  // has a core of its own, whatever else the machine runs.
  double send_vs_echo_by_cpu = 0;
};

// Returns an error text in `error` (and a zeroed result) when the run could
// not be made: no server, a refused connection, a non-200 answer (its
// status and body), an answer not within io_timeout.
HttpBenchResult RunHttpBench(const HttpBenchOptions& options,
                             std::string& error);
std::string FormatHttpBench(const HttpBenchResult& r, bool json);

// Registers `fanlab bench http` under `bench`.
void AddHttpBenchCommand(CLI::App& bench);

}  // namespace fanlab::bench

#endif  // FANLAB_BENCH_HTTP_BENCH_H_
