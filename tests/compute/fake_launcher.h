// A scripted stand-in for the Launcher, for tests of the compute logic
// (concurrency, throttles, deadlines, retries, destinations, the batching
// of event source mappings) that need no real process. As LevelDB's
// EnvWrapper lets a test decide what each file operation does, a
// FakeLauncher lets it decide what each launched process does with each
// invocation: answer with a payload or an error, never answer, exit with a
// code, crash, write bytes that are not a frame, run out of memory, or
// first take a while of virtual time.
//
// Nothing real runs: no process, no pipe, no sleep. Everything a fake
// process does happens in a timer on the Clock it was given (a VirtualClock
// in tests), at the virtual instant it is scripted for, and never inside
// the call that caused it (a real process's answer also comes later, from
// the io_context). A test drives the fake by driving the clock, e.g.
// `while (!done && clock.AdvanceToNextTimer()) {}`; the same script gives
// the same run every time.
//
// A process is found by argv[0]: Define("echo", ...) says what every
// process launched as {"echo", ...} does; launching a program that is not
// defined fails as the real launcher fails a missing binary. A process
// speaks fanlab's frame protocol (docs/functions.md: invocation frames on
// stdin, result frames on descriptor 3, a `ready` frame once initialised),
// or AWS's Runtime API when its environment has AWS_LAMBDA_RUNTIME_API and
// the service under test was given runtime_api() as its listeners: it then
// calls `next`, and posts `response` or `error` for each invocation.
//
// Everything launched stays inspectable: argv and environment, the
// invocations written to it, whether its stdin was closed, each Terminate
// and its grace, whether and how it ended.
//
// Thread safety: none; like the real launcher, it lives on one thread.
// The Clock must outlive the launcher and every process it launched.
#ifndef FANLAB_TESTS_COMPUTE_FAKE_LAUNCHER_H_
#define FANLAB_TESTS_COMPUTE_FAKE_LAUNCHER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/compute/launcher.h"
#include "emulator/compute/runtime_api.h"
#include "emulator/core/clock.h"
#include "emulator/core/status.h"

namespace fanlab::compute {

class FakeProcess;

// What a fake process does with one invocation.
struct FakeReply {
  enum class Kind {
    kResult,       // answers with `payload` (JSON)
    kError,        // answers with the error `payload` ({errorType, ...})
    kRaw,          // frames: writes `payload` to descriptor 3 as it is;
                   // Runtime API: posts it as the response body
    kHang,         // never answers (until terminated)
    kExit,         // exits with status `code` without answering
    kCrash,        // is killed by signal `code` without answering
    kOutOfMemory,  // passes its memory limit: killed, out of memory
  };
  Kind kind = Kind::kResult;
  std::string payload;
  int code = 0;
  Duration after{0};          // virtual time spent before acting
  std::string logs;           // written to stdout/stderr as it acts
  uint64_t memory_bytes = 0;  // its peak memory from then on (0: unchanged)

  static FakeReply Result(std::string payload);
  // {"errorType": type, "errorMessage": message}.
  static FakeReply Error(std::string_view type, std::string_view message);
  static FakeReply Raw(std::string bytes);
  static FakeReply Hang();
  static FakeReply Exit(int code);
  static FakeReply Crash(int signal = 11);  // SIGSEGV
  static FakeReply OutOfMemory();

  // The same reply, `d` of virtual time later.
  FakeReply After(Duration d) const;
  // The same reply, with `text` written to its logs first.
  FakeReply WithLogs(std::string text) const;
};

// One invocation as a fake process received it.
struct FakeEvent {
  std::string request_id;
  int64_t deadline_ms = 0;  // Unix epoch milliseconds
  std::string function_arn;
  std::string payload;
  int number = 0;  // 1 for the process's first invocation
  // The frame header as written (frames only; empty for the Runtime API).
  std::string header;
};

// What every process of one program does.
struct FakeProgram {
  using Handler = std::function<FakeReply(const FakeEvent&)>;
  Handler handler;
  Duration init{0};  // virtual time from the spawn until it is initialised
  std::string init_logs;
  // Frames: says {"status":"ready"} once initialised.
  bool send_ready = true;
  // SIGTERM is ignored: only the SIGKILL after the grace ends it.
  bool ignore_term = false;
};

class FakeProcess : public FunctionProcess,
                    public std::enable_shared_from_this<FakeProcess> {
 public:
  struct Registry;  // the launcher's Runtime API listeners

  // `program` is shared with the launcher: defining it again changes
  // what the process does from then on.
  FakeProcess(Clock& clock, int pid, LaunchSpec spec,
              std::shared_ptr<const FakeProgram> program,
              ProcessCallbacks callbacks, std::shared_ptr<Registry> registry);

  // ---- what the test inspects
  const LaunchSpec& spec() const { return spec_; }
  // The value of environment variable `name`, or nullopt.
  std::optional<std::string> Env(std::string_view name) const;
  // True when it speaks the Runtime API (else: frames).
  bool runtime_api() const { return api_address_.has_value(); }
  // Invocations it received, in order.
  const std::vector<FakeEvent>& events() const { return events_; }
  // Every byte written to its stdin.
  const std::string& stdin_bytes() const { return stdin_; }
  bool stdin_closed() const { return stdin_closed_; }
  // The grace of each Terminate, in order.
  const std::vector<std::chrono::milliseconds>& terminations() const {
    return terminations_;
  }
  bool exited() const { return exit_.has_value(); }
  // How it ended. REQUIRES: exited().
  const ExitStatus& exit_status() const { return *exit_; }
  // When it ended (on the clock). REQUIRES: exited().
  TimePoint exited_at() const { return exited_at_; }
  bool detached() const { return detached_; }
  bool memory_watched() const { return watched_; }

  // ---- FunctionProcess
  int pid() const override { return pid_; }
  void Write(std::string bytes) override;
  void CloseStdin() override;
  void Terminate(std::chrono::milliseconds grace) override;
  std::string LogTail(size_t max_bytes) override;
  void Detach() override { detached_ = true; }
  void WatchMemory(bool on) override { watched_ = on; }
  uint64_t PeakMemoryBytes() override { return peak_memory_; }
  uint64_t LogMark() override { return logs_.size(); }
  std::string LogsSince(uint64_t mark, size_t max_bytes) override;

  // Starts its life (called by the launcher once it is owned).
  void Boot();

 private:
  // Runs `fn` on this process at `at`, unless it has ended by then.
  void At(TimePoint at, std::function<void(FakeProcess&)> fn);
  void Initialised();
  // Frames: takes the next complete invocation frame off stdin.
  void Pump();
  // Runtime API: asks for the next invocation.
  void Next();
  void Received(FakeEvent event);
  void Act(const FakeReply& reply);
  void Answered();
  void WriteResult(std::string_view bytes);
  void Exit(ExitStatus status);
  void Post(const std::string& path, std::string body,
            std::vector<std::pair<std::string, std::string>> headers);

  Clock& clock_;
  int pid_;
  LaunchSpec spec_;
  std::shared_ptr<const FakeProgram> program_;
  ProcessCallbacks callbacks_;
  std::shared_ptr<Registry> registry_;
  std::optional<std::string> api_address_;
  std::vector<FakeEvent> events_;
  std::string stdin_;
  size_t stdin_read_ = 0;
  bool stdin_closed_ = false;
  bool initialised_ = false;
  bool busy_ = false;  // an invocation is being handled
  std::vector<std::chrono::milliseconds> terminations_;
  bool kill_scheduled_ = false;
  std::optional<ExitStatus> exit_;
  TimePoint exited_at_;
  bool detached_ = false;
  bool watched_ = false;
  uint64_t peak_memory_ = 0;
  std::string logs_;
};

class FakeLauncher : public Launcher {
 public:
  explicit FakeLauncher(Clock& clock);
  ~FakeLauncher() override;

  // What processes launched as `program` (argv[0]) do. Defining a program
  // again changes what its running processes do with their next
  // invocation (and when terminated) too.
  void Define(std::string program, FakeProgram behaviour);
  void Define(std::string program, FakeProgram::Handler handler);
  // Launching `program` fails with `error` (as a program that cannot be
  // started does).
  void FailLaunch(std::string program, Status error);

  Result<std::shared_ptr<FunctionProcess>> Launch(
      const LaunchSpec& spec, ProcessCallbacks callbacks) override;

  // Every process launched, in order.
  const std::vector<std::shared_ptr<FakeProcess>>& launched() const {
    return launched_;
  }
  // The processes that have not exited.
  size_t alive() const;

  // Listeners for Runtime API environments (FunctionService::
  // SetRuntimeApiListeners): each gets a made-up loopback address, never
  // bound; the fake processes reach it directly.
  RuntimeApiListeners& runtime_api();

 private:
  class Listeners;

  Clock& clock_;
  std::map<std::string, std::shared_ptr<FakeProgram>, std::less<>> programs_;
  std::map<std::string, Status, std::less<>> failures_;
  std::vector<std::shared_ptr<FakeProcess>> launched_;
  std::shared_ptr<FakeProcess::Registry> registry_;
  std::unique_ptr<Listeners> listeners_;
};

}  // namespace fanlab::compute

#endif  // FANLAB_TESTS_COMPUTE_FAKE_LAUNCHER_H_
