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
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <vector>

#include "bench/progress.h"
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
constexpr double kRuntimeOverLoop = 1.5;  // <= 1.5x the language's bare loop
constexpr double kColdOverInterpreterMs = 30;  // <= `python3 -c pass` + 30
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
  explicit Harness(std::string runtimes_dir)
      : service_(clock_, launcher_, ids_,
                 {.kill_grace = milliseconds(100),
                  .runtimes_dir = std::move(runtimes_dir)}) {
    service_.SetRuntimeApiListeners(&listeners_);
  }

  bool Create(compute::FunctionConfig c, std::string& error) {
    auto r = service_.CreateFunction(std::move(c));
    if (!r.ok()) error = r.status().ToString();
    return r.ok();
  }

  // Deletes a function the bench made; a failure is kept in `error` unless
  // it already holds one.
  void Delete(const std::string& name, std::string& error) {
    Status s = service_.DeleteFunction(name);
    if (!s.ok() && error.empty()) error = s.ToString();
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

  // Run, for at most `limit` of real time; whether `done` came true.
  template <typename Pred>
  bool RunFor(Pred done, std::chrono::milliseconds limit) {
    auto deadline = SteadyClock::now() + limit;
    Run([&] { return done() || SteadyClock::now() >= deadline; });
    return done();
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

// The PATH fanlab gives every function: the interpreter a runtime function
// runs on is the one found here.
constexpr std::string_view kFunctionPath = "/usr/local/bin:/usr/bin:/bin";

// `name` on the functions' PATH; "" when it is not there.
std::string FindOnFunctionPath(std::string_view name) {
  std::string_view path = kFunctionPath;
  while (!path.empty()) {
    size_t colon = path.find(':');
    std::string candidate =
        std::string(path.substr(0, colon)) + "/" + std::string(name);
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    path = colon == std::string_view::npos ? "" : path.substr(colon + 1);
  }
  return "";
}

// The least a Runtime API client can do, in each language: GET next, POST
// the event back as the response, on one kept-alive connection.
constexpr char kPythonLoop[] = R"(import http.client, os
host, _, port = os.environ["AWS_LAMBDA_RUNTIME_API"].rpartition(":")
conn = http.client.HTTPConnection(host, int(port))
while True:
    conn.request("GET", "/2018-06-01/runtime/invocation/next")
    r = conn.getresponse()
    body = r.read()
    rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
    conn.request("POST", "/2018-06-01/runtime/invocation/%s/response" % rid,
                 body, {"Content-Type": "application/json"})
    conn.getresponse().read()
)";

constexpr char kNodeLoop[] = R"(const http = require('node:http');
const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function call(method, path, body, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, method, path, headers, agent },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers,
                                      body: Buffer.concat(chunks) }));
      });
    req.on('error', reject);
    req.end(body);
  });
}
(async () => {
  for (;;) {
    const next = await call('GET', '/2018-06-01/runtime/invocation/next');
    const id = next.headers['lambda-runtime-aws-request-id'];
    await call('POST', `/2018-06-01/runtime/invocation/${id}/response`,
               next.body, { 'Content-Type': 'application/json',
                            'Content-Length': next.body.length });
  }
})();
)";

struct Language {
  std::string_view name;         // as the notes say it
  std::string_view interpreter;  // looked up on the functions' PATH
  std::string_view runtime;      // FunctionConfig::runtime
  std::string_view client;       // fanlab's client, under runtimes_dir
  std::string_view handler_file, handler_source;
  std::string_view loop_file, loop_source;
};

constexpr Language kPython{
    "Python",     "python3",
    "python3.12", "python/bootstrap.py",
    "app.py",     "def handler(event, context):\n    return event\n",
    "loop.py",    kPythonLoop};
constexpr Language kNode{
    "Node.js",    "node",
    "nodejs20.x", "node/bootstrap.mjs",
    "app.mjs",    "export const handler = async (event) => event;\n",
    "loop.cjs",   kNodeLoop};

// A fresh folder under the system's temporary directory, removed with it.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "fanlab-bench-XXXXXX")
            .string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }  // "" when not made
  bool Write(std::string_view name, std::string_view text) const {
    std::ofstream out(path_ + "/" + std::string(name));
    out << text;
    return bool(out.flush());
  }

 private:
  std::string path_;
};

// The floor of a cold start in an interpreted language: the interpreter
// started with nothing to do (`<interpreter> -c pass`), and waited for.
double InterpreterStartMs(const std::string& interpreter, int runs) {
  std::vector<double> times;
  for (int i = 0; i < runs; ++i) {
    char* argv[] = {const_cast<char*>(interpreter.c_str()),
                    const_cast<char*>("-c"), const_cast<char*>("pass"),
                    nullptr};
    auto t0 = SteadyClock::now();
    pid_t pid;
    if (posix_spawn(&pid, interpreter.c_str(), nullptr, nullptr, argv,
                    environ) == 0) {
      int status;
      waitpid(pid, &status, 0);
      times.push_back(Us(SteadyClock::now() - t0) / 1000);
    }
  }
  return Percentile(times, 0.5);
}

// The p50 warm round trips of functions `a` and `b`, `runs` each,
// interleaved (a load change on the machine weighs on both alike), each
// invocation into an environment whose runtime waits in `next`.
bool WarmPair(Harness& h, const std::string& a, const std::string& b, int runs,
              double& a_p50, double& b_p50, std::string& error) {
  std::vector<double> times[2];
  const std::string* names[2] = {&a, &b};
  for (const std::string* name : names) {
    if (h.Invoke(*name) < 0) {  // the cold start
      error = "the first invocation of " + *name + " failed";
      return false;
    }
  }
  for (int i = 0; i < runs; ++i) {
    for (int k = 0; k < 2; ++k) {
      const std::string& name = *names[k];
      if (!h.RunFor([&] { return h.service().ready_environments(name) == 1; },
                    std::chrono::seconds(10))) {
        error = name + "'s runtime did not wait in next again within 10 s";
        return false;
      }
      double us = h.Invoke(name);
      if (us < 0) {
        error = "a warm invocation of " + name + " failed";
        return false;
      }
      times[k].push_back(us);
    }
  }
  a_p50 = Percentile(times[0], 0.5);
  b_p50 = Percentile(times[1], 0.5);
  return true;
}

// Why a language's figures are skipped; "" when they can be measured.
std::string WhyNot(const Language& lang, const std::string& runtimes_dir) {
  if (FindOnFunctionPath(lang.interpreter).empty()) {
    return std::string(lang.name) + " skipped: no " +
           std::string(lang.interpreter) + " on the functions' PATH " +
           std::string(kFunctionPath);
  }
  std::string client = runtimes_dir + "/" + std::string(lang.client);
  if (::access(client.c_str(), R_OK) != 0) {
    return std::string(lang.name) + " skipped: no runtime client at " + client +
           " (build the fanlab-runtimes target)";
  }
  return "";
}

// One language's warm figures: fanlab's runtime client running a handler
// that returns its event, and the bare loop, on one emulator.
bool LanguageWarm(Harness& h, const Language& lang, int runs, double& managed,
                  double& loop, std::string& error) {
  TempDir dir;
  if (dir.path().empty() ||
      !dir.Write(lang.handler_file, lang.handler_source) ||
      !dir.Write(lang.loop_file, lang.loop_source)) {
    error = "cannot write the " + std::string(lang.name) +
            " bench's code to a temporary folder";
    return false;
  }
  std::string managed_name = "managed-" + std::string(lang.interpreter);
  std::string loop_name = "loop-" + std::string(lang.interpreter);
  compute::FunctionConfig m{.name = managed_name,
                            .runtime = std::string(lang.runtime),
                            .handler = "app.handler",
                            .working_dir = dir.path(),
                            .mode = compute::Mode::kWarm};
  m.timeout_seconds = 10;
  compute::FunctionConfig l{
      .name = loop_name,
      .runtime = "provided.al2023",
      .command = {std::string(lang.interpreter),
                  dir.path() + "/" + std::string(lang.loop_file)},
      .working_dir = dir.path(),
      .mode = compute::Mode::kWarm};
  l.timeout_seconds = 10;
  if (!h.Create(m, error) || !h.Create(l, error)) return false;
  bool ok = WarmPair(h, managed_name, loop_name, runs, managed, loop, error);
  // The environments end before their code folder goes.
  h.Delete(managed_name, error);
  h.Delete(loop_name, error);
  h.RunFor(
      [&] {
        return h.service().environments(managed_name) == 0 &&
               h.service().environments(loop_name) == 0;
      },
      std::chrono::seconds(5));
  return ok;
}

// The Python runtime's cold invocation (a new environment each time: spawn,
// init, the event in, its result out) and the interpreter's own start.
bool PythonCold(Harness& h, int runs, double& cold_ms, double& floor_ms,
                std::string& error) {
  TempDir dir;
  if (dir.path().empty() ||
      !dir.Write(kPython.handler_file, kPython.handler_source)) {
    error = "cannot write the Python bench's code to a temporary folder";
    return false;
  }
  compute::FunctionConfig c{.name = "cold-python3",
                            .runtime = std::string(kPython.runtime),
                            .handler = "app.handler",
                            .working_dir = dir.path(),
                            .mode = compute::Mode::kCold};
  c.timeout_seconds = 10;
  if (!h.Create(c, error)) return false;
  std::vector<double> times;
  for (int i = 0; i < runs && error.empty(); ++i) {
    // The previous environment is gone first: nothing else runs.
    if (!h.RunFor([&] { return h.service().environments(c.name) == 0; },
                  std::chrono::seconds(5))) {
      error = "a cold Python environment did not end within 5 s";
    } else if (double us = h.Invoke(c.name); us < 0) {
      error = "a cold Python invocation failed";
    } else {
      times.push_back(us / 1000);
    }
  }
  h.Delete(c.name, error);
  h.RunFor([&] { return h.service().environments(c.name) == 0; },
           std::chrono::seconds(5));
  if (!error.empty()) return false;
  cold_ms = Percentile(times, 0.5);
  floor_ms = InterpreterStartMs(FindOnFunctionPath(kPython.interpreter), runs);
  return true;
}

// Every language figure the machine can measure; the others noted.
void LanguageFigures(Harness& h, const InvokeBenchOptions& o,
                     const std::string& runtimes_dir, InvokeBenchResult& r,
                     std::string& error) {
  auto note = [&](const std::string& why) {
    r.notes += (r.notes.empty() ? "" : "; ") + why;
  };
  if (std::string why = WhyNot(kPython, runtimes_dir); !why.empty()) {
    note(why);
  } else {
    if (!LanguageWarm(h, kPython, o.runtime_warm_runs, r.python_warm_p50_us,
                      r.python_loop_p50_us, error) ||
        !PythonCold(h, o.runtime_cold_runs, r.python_cold_p50_ms,
                    r.python_start_floor_ms, error)) {
      return;
    }
  }
  if (std::string why = WhyNot(kNode, runtimes_dir); !why.empty()) {
    note(why);
  } else if (!LanguageWarm(h, kNode, o.runtime_warm_runs, r.node_warm_p50_us,
                           r.node_loop_p50_us, error)) {
    return;
  }
}

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
  std::string runtimes_dir =
      !o.runtimes_dir.empty()
          ? o.runtimes_dir
          : (std::filesystem::path(o.function).parent_path().parent_path() /
             "runtimes")
                .string();
  Harness h(runtimes_dir);
  // Cold.
  BenchStage("cold invocations (" + std::to_string(o.cold_runs) + ")");
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
  BenchStage("the spawn floor");
  r.spawn_floor_us = SpawnFloorUs(o.function, o.cold_runs);

  // Warm.
  BenchStage("warm round trips (" + std::to_string(o.warm_runs) + ")");
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
  BenchStage("the pipe ping-pong floor");
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
  BenchStage("Runtime API round trips (" + std::to_string(o.warm_runs) + ")");
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
  BenchStage("the loopback HTTP floor");
  r.http_floor_us = HttpFloorUs(o.warm_runs);

  // Python's and Node.js's runtimes next to their bare loops.
  BenchStage("Python and Node.js runtimes, next to bare loops");
  LanguageFigures(h, o, runtimes_dir, r, error);
  if (!error.empty()) return r;

  // Timeout overshoot: a 1-second function that sleeps on; how long after
  // its deadline the answer (every process gone) comes.
  compute::FunctionConfig slow{.name = "slow",
                               .command = {o.function, "sleep", "100000"}};
  slow.timeout_seconds = 1;
  BenchStage("timeout overshoot (a 1 s timeout)");
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
  BenchStage("fan-out/fan-in of " + std::to_string(o.fanout_tasks) + " tasks");
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
  auto skipped = [](double v) { return v == InvokeBenchResult::kSkipped; };
  if (json) {
    char buf[2048];
    std::snprintf(buf, sizeof buf,
                  "{\"cold_p50_us\": %.0f, \"cold_p99_us\": %.0f, "
                  "\"spawn_floor_us\": %.0f, \"warm_p50_us\": %.1f, "
                  "\"warm_p99_us\": %.1f, \"pingpong_floor_us\": %.1f, "
                  "\"rtapi_warm_p50_us\": %.1f, \"rtapi_warm_p99_us\": %.1f, "
                  "\"http_floor_us\": %.1f, ",
                  r.cold_p50_us, r.cold_p99_us, r.spawn_floor_us, r.warm_p50_us,
                  r.warm_p99_us, r.pingpong_floor_us, r.rtapi_warm_p50_us,
                  r.rtapi_warm_p99_us, r.http_floor_us);
    std::string out = buf;
    // A skipped language figure is null.
    auto number = [&](const char* key, double v) {
      out += "\"" + std::string(key) + "\": ";
      if (skipped(v)) {
        out += "null, ";
      } else {
        std::snprintf(buf, sizeof buf, "%.1f, ", v);
        out += buf;
      }
    };
    number("python_warm_p50_us", r.python_warm_p50_us);
    number("python_loop_p50_us", r.python_loop_p50_us);
    number("node_warm_p50_us", r.node_warm_p50_us);
    number("node_loop_p50_us", r.node_loop_p50_us);
    number("python_cold_p50_ms", r.python_cold_p50_ms);
    number("python_start_floor_ms", r.python_start_floor_ms);
    std::string notes;
    for (char c : r.notes) {
      if (c == '"' || c == '\\') notes += '\\';
      notes += c;
    }
    std::snprintf(buf, sizeof buf,
                  "\"runtime_notes\": \"%s\", "
                  "\"timeout_overshoot_ms\": %.1f, \"fanout_tasks\": %d, "
                  "\"fanout_wall_s\": %.3f}\n",
                  notes.c_str(), r.timeout_overshoot_ms, r.fanout_tasks,
                  r.fanout_wall_s);
    return out + buf;
  }
  auto mark = [](bool ok) { return ok ? "ok" : "BELOW"; };
  std::string out = "fanlab bench invoke\n";
  char line[256];
  auto row = [&](const char* figure, const char* format, double measured,
                 double target, const char* verdict) {
    char value[32], goal[32] = "-";
    std::snprintf(value, sizeof value, format, measured);
    if (target >= 0) std::snprintf(goal, sizeof goal, format, target);
    std::snprintf(line, sizeof line, "  %-40s %12s %16s %s\n", figure, value,
                  goal, verdict);
    out += line;
  };
  auto skip = [&](const char* figure) {
    std::snprintf(line, sizeof line, "  %-40s %12s %16s\n", figure, "skipped",
                  "-");
    out += line;
  };
  std::snprintf(line, sizeof line, "  %-40s %12s %16s\n", "figure", "measured",
                "target");
  out += line;
  row("floor: spawn and wait (us)", "%.0f", r.spawn_floor_us, -1, "");
  row("cold invocation p50 (us)", "%.0f", r.cold_p50_us,
      r.spawn_floor_us + kColdOverFloorUs,
      mark(r.cold_p50_us <= r.spawn_floor_us + kColdOverFloorUs));
  row("cold invocation p99 (us)", "%.0f", r.cold_p99_us, -1, "");
  row("floor: pipe ping-pong (us)", "%.1f", r.pingpong_floor_us, -1, "");
  row("warm round trip p50 (us)", "%.1f", r.warm_p50_us,
      r.pingpong_floor_us * kWarmOverFloor,
      mark(r.warm_p50_us <= r.pingpong_floor_us * kWarmOverFloor));
  row("warm round trip p99 (us)", "%.1f", r.warm_p99_us, -1, "");
  row("floor: loopback HTTP exchange (us)", "%.1f", r.http_floor_us, -1, "");
  row("Runtime API round trip p50 (us)", "%.1f", r.rtapi_warm_p50_us,
      r.http_floor_us * kRuntimeApiOverFloor,
      mark(r.rtapi_warm_p50_us <= r.http_floor_us * kRuntimeApiOverFloor));
  row("Runtime API round trip p99 (us)", "%.1f", r.rtapi_warm_p99_us, -1, "");
  struct LanguageRows {
    const char *floor, *figure;
    double loop, managed;
  } languages[] = {
      {"floor: Python bare Runtime API loop (us)",
       "Python runtime round trip p50 (us)", r.python_loop_p50_us,
       r.python_warm_p50_us},
      {"floor: Node.js bare Runtime API loop (us)",
       "Node.js runtime round trip p50 (us)", r.node_loop_p50_us,
       r.node_warm_p50_us},
  };
  for (const LanguageRows& l : languages) {
    if (skipped(l.managed)) {
      skip(l.floor);
      skip(l.figure);
      continue;
    }
    row(l.floor, "%.1f", l.loop, -1, "");
    row(l.figure, "%.1f", l.managed, l.loop * kRuntimeOverLoop,
        mark(l.managed <= l.loop * kRuntimeOverLoop));
  }
  if (skipped(r.python_cold_p50_ms)) {
    skip("floor: python3 -c pass (ms)");
    skip("Python cold invocation p50 (ms)");
  } else {
    row("floor: python3 -c pass (ms)", "%.1f", r.python_start_floor_ms, -1, "");
    row("Python cold invocation p50 (ms)", "%.1f", r.python_cold_p50_ms,
        r.python_start_floor_ms + kColdOverInterpreterMs,
        mark(r.python_cold_p50_ms <=
             r.python_start_floor_ms + kColdOverInterpreterMs));
  }
  row("timeout overshoot (ms)", "%.1f", r.timeout_overshoot_ms, kOvershootMs,
      mark(r.timeout_overshoot_ms <= kOvershootMs));
  std::string fanout =
      "fan-out of " + std::to_string(r.fanout_tasks) + " tasks (s)";
  row(fanout.c_str(), "%.3f", r.fanout_wall_s, kFanoutSeconds,
      mark(r.fanout_wall_s <= kFanoutSeconds));
  if (!r.notes.empty()) out += "  note: " + r.notes + "\n";
  return out;
}

}  // namespace fanlab::bench
