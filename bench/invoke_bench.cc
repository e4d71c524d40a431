#include "bench/invoke_bench.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "emulator/compute/function_service.h"
#include "emulator/engine.h"

extern char** environ;

namespace fanlab::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr double kColdOverFloorUs = 300;      // cold median <= floor + 300 us
constexpr double kWarmOverFloor = 2.0;        // warm median <= 2x ping-pong
constexpr double kRuntimeApiOverFloor = 2.0;  // <= 2x a bare HTTP exchange
constexpr double kOvershootMs = 10;
constexpr double kFanoutSeconds = 1.0;  // 10,000 tasks

double Us(SteadyClock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  size_t k = std::min(v.size() - 1, size_t(p * double(v.size())));
  std::nth_element(v.begin(), v.begin() + long(k), v.end());
  return v[k];
}

// The floor of a cold start: spawn the binary (stdin and descriptor 3 on
// /dev/null, so it starts, finds no event and exits) and wait for it.
double SpawnFloorUs(const std::string& program, int runs) {
  std::vector<double> times;
  for (int i = 0; i < runs; ++i) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 3, "/dev/null", O_WRONLY, 0);
    char* argv[] = {const_cast<char*>(program.c_str()),
                    const_cast<char*>("echo"), nullptr};
    auto t0 = SteadyClock::now();
    pid_t pid;
    if (posix_spawn(&pid, program.c_str(), &fa, nullptr, argv, environ) == 0) {
      int status;
      waitpid(pid, &status, 0);
      times.push_back(Us(SteadyClock::now() - t0));
    }
    posix_spawn_file_actions_destroy(&fa);
  }
  return Percentile(times, 0.5);
}

// The floor of a warm round trip: one byte to a child process and back.
double PingPongFloorUs(int runs) {
  int down[2], up[2];
  if (pipe(down) != 0 || pipe(up) != 0) return 0;
  pid_t pid = fork();
  if (pid == 0) {
    close(down[1]);  // else the child never sees EOF on its own input
    close(up[0]);
    char c;
    while (read(down[0], &c, 1) == 1) {
      if (write(up[1], &c, 1) != 1) break;
    }
    _exit(0);
  }
  close(down[0]);
  close(up[1]);
  std::vector<double> times;
  char c = 'x';
  for (int i = 0; i < runs; ++i) {
    auto t0 = SteadyClock::now();
    if (write(down[1], &c, 1) != 1 || read(up[0], &c, 1) != 1) break;
    times.push_back(Us(SteadyClock::now() - t0));
  }
  close(down[1]);
  close(up[0]);
  int status;
  waitpid(pid, &status, 0);
  return Percentile(times, 0.5);
}

// Reads one HTTP message (head, then a Content-Length body) off `fd`;
// false at EOF.
bool ReadMessage(int fd, std::string& buffer) {
  char chunk[4096];
  size_t end;
  while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n <= 0) return false;
    buffer.append(chunk, size_t(n));
  }
  size_t length = 0;
  size_t at = buffer.find("Content-Length: ");
  if (at != std::string::npos && at < end) {
    length = std::strtoull(buffer.c_str() + at + 16, nullptr, 10);
  }
  while (buffer.size() < end + 4 + length) {
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n <= 0) return false;
    buffer.append(chunk, size_t(n));
  }
  buffer.erase(0, end + 4 + length);
  return true;
}

// The floor of a Runtime API round trip: a bare HTTP/1.1 request and
// response over a kept-alive loopback connection between two processes
// (raw sockets both sides, the bodies a Runtime API exchange carries).
double HttpFloorUs(int runs) {
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  if (listener < 0 || bind(listener, (sockaddr*)&sa, sizeof sa) != 0 ||
      listen(listener, 1) != 0 || getsockname(listener, (sockaddr*)&sa, &len)) {
    return 0;
  }
  pid_t pid = fork();
  if (pid == 0) {
    int fd = accept(listener, nullptr, nullptr);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::string buffer;
    const std::string answer =
        "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\n"
        "Content-Length: 15\r\n\r\n{\"status\":\"OK\"}";
    while (ReadMessage(fd, buffer)) {
      if (write(fd, answer.data(), answer.size()) <= 0) break;
    }
    _exit(0);
  }
  close(listener);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  std::vector<double> times;
  if (connect(fd, (sockaddr*)&sa, sizeof sa) == 0) {
    const std::string request =
        "POST /2018-06-01/runtime/invocation/00000000-0000-0000-0000-"
        "000000000000/response HTTP/1.1\r\nHost: runtime\r\n"
        "Content-Length: 2\r\n\r\n{}";
    std::string buffer;
    for (int i = 0; i < runs; ++i) {
      auto t0 = SteadyClock::now();
      if (write(fd, request.data(), request.size()) <= 0 ||
          !ReadMessage(fd, buffer)) {
        break;
      }
      times.push_back(Us(SteadyClock::now() - t0));
    }
  }
  close(fd);
  int status;
  waitpid(pid, &status, 0);
  return Percentile(times, 0.5);
}

class Harness {
 public:
  Harness()
      : service_(clock_, launcher_, ids_, {.kill_grace = milliseconds(100)}) {
    service_.SetRuntimeApiListeners(&listeners_);
  }

  bool Create(compute::FunctionConfig c, std::string& error) {
    auto r = service_.CreateFunction(std::move(c));
    if (!r.ok()) error = r.status().ToString();
    return r.ok();
  }

  // One synchronous invocation; its wall time in microseconds, or -1.
  double Invoke(const std::string& name) {
    bool done = false, ok = false;
    auto t0 = SteadyClock::now();
    service_.Invoke(name, "{}", [&](Result<compute::InvokeResult> r) {
      done = true;
      ok = r.ok() && !r->function_error;
    });
    Run([&] { return done; });
    return ok ? Us(SteadyClock::now() - t0) : -1;
  }

  template <typename Pred>
  void Run(Pred done) {
    while (!done()) {
      if (io_.stopped()) io_.restart();
      io_.run_one_for(milliseconds(5));
      clock_.RunDue();
    }
  }

  compute::FunctionService& service() { return service_; }
  RealClock& clock() { return clock_; }

 private:
  boost::asio::io_context io_;
  RealClock clock_;
  compute::PosixLauncher launcher_{io_};
  RuntimeApiHttpListeners listeners_{io_};
  IdGenerator ids_{1};
  compute::FunctionService service_;
};

}  // namespace

std::string DefaultTestFunction() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "functions/fanlab-test-function";
  return (self.parent_path() / "functions" / "fanlab-test-function").string();
}

InvokeBenchResult RunInvokeBench(const InvokeBenchOptions& o,
                                 std::string& error) {
  InvokeBenchResult r;
  if (::access(o.function.c_str(), X_OK) != 0) {
    error = "no test function at " + o.function + " (--function PATH)";
    return r;
  }
  Harness h;
  // Cold.
  if (!h.Create({.name = "cold", .command = {o.function, "echo"}}, error)) {
    return r;
  }
  std::vector<double> cold;
  for (int i = 0; i < o.cold_runs; ++i) {
    double us = h.Invoke("cold");
    if (us < 0) {
      error = "a cold invocation failed";
      return r;
    }
    cold.push_back(us);
  }
  r.cold_p50_us = Percentile(cold, 0.5);
  r.cold_p99_us = Percentile(cold, 0.99);
  r.spawn_floor_us = SpawnFloorUs(o.function, o.cold_runs);

  // Warm.
  if (!h.Create({.name = "warm",
                 .command = {o.function, "echo"},
                 .mode = compute::Mode::kWarm},
                error)) {
    return r;
  }
  h.Invoke("warm");  // the cold start
  std::vector<double> warm;
  for (int i = 0; i < o.warm_runs; ++i) {
    double us = h.Invoke("warm");
    if (us < 0) {
      error = "a warm invocation failed";
      return r;
    }
    warm.push_back(us);
  }
  r.warm_p50_us = Percentile(warm, 0.5);
  r.warm_p99_us = Percentile(warm, 0.99);
  r.pingpong_floor_us = PingPongFloorUs(o.warm_runs);

  // Runtime API warm round trip, and its floor.
  std::string bootstrap =
      !o.bootstrap.empty() ? o.bootstrap
                           : (std::filesystem::path(o.function).parent_path() /
                              "fanlab-bench-bootstrap")
                                 .string();
  if (::access(bootstrap.c_str(), X_OK) != 0) {
    error = "no Runtime API bootstrap at " + bootstrap;
    return r;
  }
  if (!h.Create({.name = "rtapi",
                 .runtime = "provided.al2023",
                 .command = {bootstrap},
                 .mode = compute::Mode::kWarm},
                error)) {
    return r;
  }
  h.Invoke("rtapi");  // the cold start
  std::vector<double> rtapi;
  for (int i = 0; i < o.warm_runs; ++i) {
    // Into a warm environment whose runtime waits in `next`, as an idle
    // Lambda environment does (not racing its previous 202).
    h.Run([&] { return h.service().ready_environments("rtapi") == 1; });
    double us = h.Invoke("rtapi");
    if (us < 0) {
      error = "a Runtime API invocation failed";
      return r;
    }
    rtapi.push_back(us);
  }
  r.rtapi_warm_p50_us = Percentile(rtapi, 0.5);
  r.rtapi_warm_p99_us = Percentile(rtapi, 0.99);
  r.http_floor_us = HttpFloorUs(o.warm_runs);

  // Timeout overshoot: a 1-second function that sleeps on; how long after
  // its deadline the answer (every process gone) comes.
  compute::FunctionConfig slow{.name = "slow",
                               .command = {o.function, "sleep", "100000"}};
  slow.timeout_seconds = 1;
  if (!h.Create(slow, error)) return r;
  bool done = false;
  auto t0 = SteadyClock::now();
  h.service().Invoke("slow", "{}",
                     [&](Result<compute::InvokeResult>) { done = true; });
  h.Run([&] { return done; });
  r.timeout_overshoot_ms =
      std::chrono::duration<double, std::milli>(SteadyClock::now() - t0 -
                                                std::chrono::seconds(1))
          .count();

  // Fan-out / fan-in through warm workers.
  compute::FunctionConfig workers{.name = "worker",
                                  .command = {o.function, "echo"},
                                  .mode = compute::Mode::kWarm};
  if (!h.Create(workers, error)) return r;
  int launched = 0, finished = 0, failed = 0;
  auto fan_start = SteadyClock::now();
  std::function<void()> next = [&] {
    if (launched >= o.fanout_tasks) return;
    ++launched;
    h.service().Invoke("worker", "{}", [&](Result<compute::InvokeResult> res) {
      ++finished;
      if (!res.ok() || res->function_error) ++failed;
      next();
    });
  };
  for (int i = 0; i < o.fanout_workers; ++i) next();
  h.Run([&] { return finished == o.fanout_tasks; });
  r.fanout_wall_s =
      std::chrono::duration<double>(SteadyClock::now() - fan_start).count();
  r.fanout_tasks = o.fanout_tasks;
  if (failed > 0) error = std::to_string(failed) + " fan-out tasks failed";
  return r;
}

std::string FormatInvokeBench(const InvokeBenchResult& r, bool json) {
  char buf[2048];
  if (json) {
    std::snprintf(buf, sizeof buf,
                  "{\"cold_p50_us\": %.0f, \"cold_p99_us\": %.0f, "
                  "\"spawn_floor_us\": %.0f, \"warm_p50_us\": %.1f, "
                  "\"warm_p99_us\": %.1f, \"pingpong_floor_us\": %.1f, "
                  "\"rtapi_warm_p50_us\": %.1f, \"rtapi_warm_p99_us\": %.1f, "
                  "\"http_floor_us\": %.1f, "
                  "\"timeout_overshoot_ms\": %.1f, \"fanout_tasks\": %d, "
                  "\"fanout_wall_s\": %.3f}\n",
                  r.cold_p50_us, r.cold_p99_us, r.spawn_floor_us, r.warm_p50_us,
                  r.warm_p99_us, r.pingpong_floor_us, r.rtapi_warm_p50_us,
                  r.rtapi_warm_p99_us, r.http_floor_us, r.timeout_overshoot_ms,
                  r.fanout_tasks, r.fanout_wall_s);
    return buf;
  }
  auto mark = [](bool ok) { return ok ? "ok" : "BELOW"; };
  std::snprintf(
      buf, sizeof buf,
      "fanlab bench invoke\n"
      "  %-36s %12s %16s\n"
      "  %-36s %12.0f %16s\n"
      "  %-36s %12.0f %16.0f %s\n"
      "  %-36s %12.0f %16s\n"
      "  %-36s %12.1f %16s\n"
      "  %-36s %12.1f %16.1f %s\n"
      "  %-36s %12.1f %16s\n"
      "  %-36s %12.1f %16s\n"
      "  %-36s %12.1f %16.1f %s\n"
      "  %-36s %12.1f %16s\n"
      "  %-36s %12.1f %16.1f %s\n"
      "  %-36s %12.3f %16.3f %s\n",
      "figure", "measured", "target", "floor: spawn and wait (us)",
      r.spawn_floor_us, "-", "cold invocation p50 (us)", r.cold_p50_us,
      r.spawn_floor_us + kColdOverFloorUs,
      mark(r.cold_p50_us <= r.spawn_floor_us + kColdOverFloorUs),
      "cold invocation p99 (us)", r.cold_p99_us, "-",
      "floor: pipe ping-pong (us)", r.pingpong_floor_us, "-",
      "warm round trip p50 (us)", r.warm_p50_us,
      r.pingpong_floor_us * kWarmOverFloor,
      mark(r.warm_p50_us <= r.pingpong_floor_us * kWarmOverFloor),
      "warm round trip p99 (us)", r.warm_p99_us, "-",
      "floor: loopback HTTP exchange (us)", r.http_floor_us, "-",
      "Runtime API round trip p50 (us)", r.rtapi_warm_p50_us,
      r.http_floor_us * kRuntimeApiOverFloor,
      mark(r.rtapi_warm_p50_us <= r.http_floor_us * kRuntimeApiOverFloor),
      "Runtime API round trip p99 (us)", r.rtapi_warm_p99_us, "-",
      "timeout overshoot (ms)", r.timeout_overshoot_ms, kOvershootMs,
      mark(r.timeout_overshoot_ms <= kOvershootMs),
      ("fan-out of " + std::to_string(r.fanout_tasks) + " tasks (s)").c_str(),
      r.fanout_wall_s, kFanoutSeconds, mark(r.fanout_wall_s <= kFanoutSeconds));
  return buf;
}

}  // namespace fanlab::bench
