// Functions as Lambda runs them: declared once, invoked many times, each
// invocation in a real process with its timeout, memory limit and
// concurrency enforced. A process speaks one of two interfaces
// (docs/functions.md): AWS's Lambda Runtime API, served on loopback for
// each execution environment (a function with a Runtime), or fanlab's own
// frame protocol on stdin and descriptor 3 (a function given as
// Code.Command). Both live the same life: cold and warm environments,
// deadlines, concurrency, Event retries and destinations.
//
// This is the synchronous core: the function registry, RequestResponse
// and DryRun invocations, cold and warm execution environments, deadlines
// on the Clock, reserved and global concurrency. Event invocations with
// retries and destinations, and queue event source mappings, build on it.
//
// Thread safety: none; the engine thread owns it. Callbacks run on that
// thread, from the io_context (process I/O) or the Clock (deadlines).
#ifndef FANLAB_EMULATOR_COMPUTE_FUNCTION_SERVICE_H_
#define FANLAB_EMULATOR_COMPUTE_FUNCTION_SERVICE_H_

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/compute/code_package.h"
#include "emulator/compute/launcher.h"
#include "emulator/compute/result_reader.h"
#include "emulator/compute/runtime_api.h"
#include "emulator/core/account.h"
#include "emulator/core/clock.h"
#include "emulator/core/ids.h"
#include "emulator/core/status.h"
#include "emulator/sim/fault_injector.h"

namespace fanlab::compute {

enum class Mode { kCold, kWarm };

// A function's configuration, as CreateFunction declares it.
struct FunctionConfig {
  std::string name;
  // Empty: fanlab's own process, `command`, speaking the frame protocol.
  // "provided.al2023", "provided.al2": <code_dir>/bootstrap (or `command`
  // when given) speaking the Runtime API; "python3.9".."python3.13",
  // "nodejs18.x", "nodejs20.x", "nodejs22.x": fanlab's runtime client for
  // that language running `handler`.
  std::string runtime;
  std::string handler;               // module.function; _HANDLER
  std::vector<std::string> command;  // argv (Code.Command)
  std::string working_dir;           // Code.WorkingDirectory
  // The unpacked code (Code.ZipFile): LAMBDA_TASK_ROOT and the working
  // directory. Empty: working_dir stands in for it.
  std::string code_dir;
  std::string code_sha256;  // base64 SHA-256 of the package (GetFunction)
  int64_t code_size = 0;    // bytes of the package
  Mode mode = Mode::kCold;
  int64_t timeout_seconds = 3;  // 1..900
  int64_t memory_mb = 128;      // 128..10240
  std::map<std::string, std::string> env;
  std::optional<int64_t> reserved_concurrency;  // PutFunctionConcurrency
  // DeadLetterConfig.TargetArn: a queue or topic ARN that gets the event of
  // an Event invocation given up on; "" for none.
  std::string dead_letter_target_arn;
  // Deterministic runs (FunctionServiceOptions::deterministic): the
  // virtual time an invocation takes, from its start to its answer. With
  // virtual_duration_max above virtual_duration, each invocation draws
  // its own from [virtual_duration, virtual_duration_max] (seeded).
  Duration virtual_duration{0};
  Duration virtual_duration_max{0};
};

// PutFunctionEventInvokeConfig: how Event invocations are retried and
// where their outcome goes.
struct EventInvokeConfig {
  int64_t maximum_retry_attempts = 2;         // 0..2
  int64_t maximum_event_age_seconds = 21600;  // 60..21600
  std::string on_success;  // destination ARN (a queue), or empty
  std::string on_failure;
};

// What Invoke answers (Lambda's Invoke response).
struct InvokeResult {
  int status_code = 200;                      // 200, or 204 for DryRun
  std::optional<std::string> function_error;  // "Unhandled"
  std::string payload;                        // the result or error JSON
  std::string log_tail;                       // last 4 KB of the logs
  std::string request_id;
};

// One finished invocation, for observers and the harness.
struct InvocationRecord {
  enum class Outcome { kSuccess, kError, kTimeout, kThrottle };
  std::string request_id;
  std::string function;
  Outcome outcome = Outcome::kSuccess;
  std::string error_type;  // when not kSuccess
  bool cold = true;        // a new environment was started for it
  Duration init{0};        // spawn to ready (cold starts only)
  Duration duration{0};    // frame sent to result (or to the kill)
  TimePoint start;
  int64_t max_memory_used_mb = 0;  // the REPORT line's Max Memory Used
};

// What became of an Event invocation, for observers and the harness: the
// event accepted (queued), a retry scheduled after a failed attempt, or
// the event given up on (too old: EventAgeExceeded; out of retries:
// RetriesExhausted; its function deleted: FunctionDeleted), whether or
// not an OnFailure destination is told.
struct AsyncNote {
  enum class Kind { kQueued, kRetryScheduled, kDropped };
  Kind kind = Kind::kRetryScheduled;
  std::string function;
  std::string request_id;
  int64_t attempts = 0;     // attempts that ran so far
  std::string condition;    // kDropped: EventAgeExceeded, RetriesExhausted,
                            // FunctionDeleted
  std::string error_type;   // the last attempt's error type, if any
  TimePoint retry_at;       // kRetryScheduled: when the next attempt runs
  std::string destination;  // kDropped: the OnFailure ARN told, or ""
};

// Who holds an execution environment's credentials (WhoCalled).
struct Caller {
  std::string function;
  uint64_t environment = 0;
  std::string request_id;  // the invocation it runs now; "" when idle
};

struct FunctionServiceOptions {
  std::string endpoint;  // FANLAB_ENDPOINT given to functions
  // FANLAB_SOCKET: the path of the function socket the C++ SDK calls
  // (transport/socket_server.h); "" gives none.
  std::string socket;
  std::string auth_token;     // FANLAB_AUTH_TOKEN given to functions
  std::string http_endpoint;  // FANLAB_HTTP_ENDPOINT: the HTTP front's URL
  int64_t global_concurrency = 1000;
  // SIGTERM to SIGKILL at a deadline.
  std::chrono::milliseconds kill_grace{500};
  // An idle warm environment older than this is reaped.
  Duration idle_timeout = std::chrono::minutes(10);
  std::string region = Account{}.region;
  std::string account = Account{}.id;
  // Where fanlab's runtime clients live (python/bootstrap.py,
  // node/bootstrap.mjs). Empty: $FANLAB_RUNTIMES_DIR, else "runtimes" next
  // to the running executable, else an installed fanlab's
  // <prefix>/lib/fanlab/runtimes.
  std::string runtimes_dir;
  // python3.x environments are forked from a warm interpreter that has
  // imported boto3 (LaunchSpec::python_fork_server) rather than started
  // cold. Off when false, when the emulator's environment has
  // FANLAB_PYTHON_ZYGOTE=0, and for a function whose own environment
  // variables have FANLAB_PYTHON_ZYGOTE=0.
  bool python_zygote = true;
  // How often a busy environment's memory is sampled (real time).
  std::chrono::milliseconds memory_sample_period{20};
  // The emulator's data dir: code packages (Code.ZipFile,
  // Code.S3Bucket/S3Key) are unpacked under <data_dir>/lambda-code. Empty:
  // under a private directory in the system's temp dir, made on the first
  // UnpackCode and removed with the service.
  std::string data_dir;
  // Deterministic runs: an answer is held until the invocation's virtual
  // duration has passed on the clock (a result frame, or a Runtime API
  // response or error), and the durations are drawn from `seed`.
  bool deterministic = false;
  uint64_t seed = 0;
  // Deterministic runs: the file with the engine's virtual time
  // (ClockFile). When set and <runtimes_dir>/libfanlab_clock.so exists,
  // every function process is started with that library preloaded
  // (LD_PRELOAD, before any the function sets) and FANLAB_CLOCK_FILE: its
  // clocks read virtual time and its sleeps wait for it
  // (functions/runtimes/README.md). Not for a function whose own
  // environment variables have FANLAB_VIRTUAL_CLOCK=0.
  std::string clock_file;
  // Deterministic runs: a Runtime API function (python, nodejs, provided)
  // gets one environment started as it is created (or its code or
  // configuration updated), so its init overlaps whatever runs before its
  // first invocation, as Lambda may initialize environments ahead of
  // demand. Its first invocation is still the environment's cold one (init
  // and logs included); an init that fails ahead is not reported: the
  // invocation starts an environment of its own, whose failure is.
  bool start_ahead = false;
};

class FunctionService {
 public:
  using InvokeCallback = std::function<void(Result<InvokeResult>)>;
  using RecordCallback = std::function<void(const InvocationRecord&)>;

  // `clock`, `launcher` and `ids` must outlive the service.
  FunctionService(Clock& clock, Launcher& launcher, IdGenerator& ids,
                  FunctionServiceOptions options);
  ~FunctionService();
  FunctionService(const FunctionService&) = delete;
  FunctionService& operator=(const FunctionService&) = delete;

  // Registry. Errors: InvalidParameterValueException (bad name, timeout,
  // memory or command), ResourceConflictException (name taken),
  // ResourceNotFoundException.
  Result<FunctionConfig> CreateFunction(FunctionConfig config);
  Result<FunctionConfig> GetFunction(const std::string& name) const;
  std::vector<FunctionConfig> ListFunctions() const;
  // Sets a function's virtual duration, [min, max] (deterministic runs).
  // Errors: ResourceNotFoundException.
  Status SetVirtualDuration(const std::string& name, Duration min,
                            Duration max);
  // Ends the function's idle environments; running invocations finish.
  Status DeleteFunction(const std::string& name);
  // Replaces everything but the name; live environments are retired.
  Result<FunctionConfig> UpdateFunctionConfiguration(FunctionConfig config);
  // nullopt removes the reservation. Refused when the reservations would
  // leave less than 100 of the global limit unreserved, as Lambda does
  // (scaled down when the global limit itself is below 200).
  Status PutFunctionConcurrency(const std::string& name,
                                std::optional<int64_t> reserved);

  // Invokes synchronously (RequestResponse): `done` runs once with the
  // result, or with TooManyRequestsException when the function's reserved
  // or the global concurrency is used up, ResourceNotFoundException,
  // RequestTooLargeException (payload over 6 MB). A function error is a
  // result with function_error set, not an error Status.
  void Invoke(const std::string& name, std::string payload,
              InvokeCallback done);
  // Event invocation: queued at once (the answer is its request id), then
  // run as concurrency allows: an event that finds every slot of its
  // function taken waits, in order, and starts as soon as one frees up
  // (Lambda's internal queue; no throttle is recorded, no attempt
  // counted). A function error or timeout is retried after 1 minute, then
  // 2 (instant on the virtual clock), up to the function's
  // MaximumRetryAttempts and while the event is younger than
  // MaximumEventAgeInSeconds. A synchronous throttle met anyway (a slot
  // taken between wake-up and start) retries after a second. The outcome goes
  // to the OnSuccess / OnFailure destination in Lambda's destination record
  // shape. Errors: ResourceNotFoundException, RequestTooLargeException (payload
  // over 1 MB).
  Result<std::string> InvokeEvent(const std::string& name, std::string payload);
  Status PutEventInvokeConfig(const std::string& name,
                              const EventInvokeConfig& config);
  Result<EventInvokeConfig> GetEventInvokeConfig(const std::string& name) const;
  // Sends a destination record to a destination ARN (the engine routes
  // queue ARNs to its queues). Unset: destinations are not delivered.
  using DestinationSender =
      std::function<Status(const std::string& arn, const std::string& body)>;
  void SetDestinationSender(DestinationSender send) {
    send_destination_ = std::move(send);
  }
  // An Event invocation given up on (out of retries, or too old), for the
  // function's dead-letter queue or topic: the event as it came, with
  // Lambda's message attributes RequestID, ErrorCode (a Number: 200 for a
  // function error, else the throttle's or the failure's status) and
  // ErrorMessage (the last error's message, at most 1 KB). Sent besides
  // any OnFailure destination. Unset: dead letters are not delivered.
  struct DeadLetter {
    std::string target_arn;
    std::string payload;
    std::string request_id;
    std::string error_code;
    std::string error_message;
  };
  using DeadLetterSender = std::function<Status(const DeadLetter&)>;
  void SetDeadLetterSender(DeadLetterSender send) {
    send_dead_letter_ = std::move(send);
  }
  // Event invocations queued or waiting for a retry.
  size_t pending_events() const { return events_.size(); }

  // A deployment package unpacked under the code root (options' data_dir; see
  // code_package.h for what is refused and the errors). The directory is
  // shared by every function with the same package and kept as long as
  // the root is.
  Result<CodePackage> UnpackCode(std::string_view zip, CodeSource source,
                                 std::string_view operation);

  // DryRun: checks the function exists and the payload is acceptable.
  Result<InvokeResult> DryRun(const std::string& name,
                              const std::string& payload) const;

  // The account its function ARNs name (FunctionServiceOptions).
  Account account() const {
    return Account{.region = options_.region, .id = options_.account};
  }

  // The ZeroMQ endpoint functions are told to call (FANLAB_ENDPOINT) when
  // there is no function socket.
  void SetEndpoint(std::string endpoint) {
    options_.endpoint = std::move(endpoint);
  }
  // The HTTP front's base URL functions are told (FANLAB_HTTP_ENDPOINT and
  // AWS_ENDPOINT_URL).
  void SetHttpEndpoint(std::string url) {
    options_.http_endpoint = std::move(url);
  }
  // Asked for the HTTP front's URL when an environment starts and none is
  // known yet (the engine binds one on demand).
  void SetHttpEndpointProvider(std::function<std::string()> provider) {
    http_endpoint_provider_ = std::move(provider);
  }
  // Asked for the function socket's path (FANLAB_SOCKET) when an
  // environment starts and none is known yet (the engine opens one on
  // demand; "" when it cannot).
  void SetSocketProvider(std::function<std::string()> provider) {
    socket_provider_ = std::move(provider);
  }
  // Where Runtime API environments get their listener. Unset: functions
  // with a Runtime fail to start (Runtime.InvalidEntrypoint). `listeners`
  // must outlive the service.
  void SetRuntimeApiListeners(RuntimeApiListeners* listeners) {
    listeners_ = listeners;
  }

  // The function, environment and invocation behind an execution
  // environment's AWS_ACCESS_KEY_ID (each environment has its own), while
  // that environment lives; nullopt for any other key.
  std::optional<Caller> WhoCalled(std::string_view access_key_id) const;
  // The access key id of environment `env` ("FLENV" and 15 digits).
  static std::string AccessKeyFor(uint64_t env);

  // Every finished invocation (and throttle) is reported here.
  void SetRecordCallback(RecordCallback cb) { on_record_ = std::move(cb); }
  // Every Event invocation retry scheduled and every one given up on.
  using AsyncNoteCallback = std::function<void(const AsyncNote&)>;
  void SetAsyncNoteCallback(AsyncNoteCallback cb) {
    on_async_note_ = std::move(cb);
  }
  // Called as an invocation starts, before its event is sent (the engine
  // makes a virtual clock follow real time from that instant).
  void SetStartCallback(std::function<void()> cb) { on_start_ = std::move(cb); }

  // Ends the running invocation `request_id` now, its process group
  // killed at once: as a crash (Runtime.ExitError) or as its timeout
  // (Sandbox.Timedout). False when no invocation of that id runs.
  bool KillInvocation(std::string_view request_id, bool as_timeout);
  // The invocations running now (function and request id), by
  // environment.
  std::vector<Caller> RunningInvocations() const;
  // Consulted as each invocation starts (a fault may crash or time it
  // out); null: no faults. Must outlive the service.
  void SetFaults(sim::FaultInjector* faults) { faults_ = faults; }
  // Deterministic runs: every input a function process gives the service
  // (result frame bytes, its exit, a Runtime API request) is handed to
  // `gate`, which runs it at once or later, in an order of its choosing.
  // `key` names the input's source the same way in every run of one
  // seed: the environment's number and what the input is; `env` is that
  // environment's number. Unset: inputs are handled as they come. The
  // exit of a process already answered and retiring is not an input: it
  // is handled at once (nothing observable follows from it). A process's
  // exit is keyed kExitKeyPrefix + its environment's number, and a gate
  // must serve it after every other input it holds with it: a process's
  // last result comes before its death, whatever order the gate draws.
  static constexpr char kExitKeyPrefix = 'x';
  using Gate = std::function<void(std::string key, uint64_t env,
                                  std::function<void()> input)>;
  void SetGate(Gate gate) { gate_ = std::move(gate); }
  // What the service does to environments' processes, for a gate that
  // must know which of them may be running:
  //   kWoken  the process was started, or was sent something (its event
  //           frame, the answer to a Runtime API request, the end of its
  //           stdin, a signal): it runs until it waits for fanlab again;
  //   kGone   it has exited, or it has answered and is retiring (its exit
  //           is handled at once, out of the gate): it no longer counts.
  enum class ProcessChange { kWoken, kGone };
  using ProcessCallback =
      std::function<void(uint64_t env, int pid, ProcessChange change)>;
  void SetProcessCallback(ProcessCallback cb) { on_process_ = std::move(cb); }
  // The process ids of every live environment (its process group leader).
  std::vector<int> ProcessIds() const;
  // The number of the live environment whose process is `pid`; 0 for none.
  uint64_t EnvironmentOfProcess(int pid) const;

  // Invocations running now (all functions); the engine's virtual clock
  // follows real time while this is non-zero.
  int64_t running() const { return running_; }
  // Live environments of `name` (busy or idle).
  size_t environments(const std::string& name) const;
  // Idle environments of `name` ready for an invocation at once: a frame
  // process waiting for its next frame, a runtime waiting in `next`.
  size_t ready_environments(const std::string& name) const;

 private:
  struct Function;
  struct Env;
  struct Invocation;
  struct AsyncEvent;

  std::shared_ptr<Function> Find(const std::string& name) const;
  Status Validate(const FunctionConfig& config) const;
  std::vector<std::string> EnvironmentFor(const Function& f,
                                          const Invocation* cold) const;
  Result<Env*> Spawn(const std::shared_ptr<Function>& f,
                     const Invocation* cold);
  void Start(Env& env, std::unique_ptr<Invocation> inv);
  // options_.start_ahead: one idle environment of `f`, started now.
  void StartAhead(const std::shared_ptr<Function>& f);
  // Ends an idle warm environment after options_.idle_timeout.
  void ArmIdleTimer(Env& env);
  // The fault (if any) for the invocation `env` has just started.
  void StartFault(Env& env);
  void OnResultBytes(uint64_t env_id, std::string_view bytes);
  void OnExit(uint64_t env_id, const ExitStatus& status);
  void OnDeadline(uint64_t env_id);
  void CompleteWithFrame(Env& env, const ResultFrame& frame);
  // Runtime API environments: the argv and the listener.
  Result<std::vector<std::string>> ArgvFor(const FunctionConfig& c) const;
  // Whether `c`'s processes run on the virtual clock (clock_library_, and
  // no FANLAB_VIRTUAL_CLOCK=0 of its own).
  bool VirtualClockFor(const FunctionConfig& c) const;
  Status ListenFor(Env& env);
  void OnRuntimeNext(uint64_t env_id);
  void OnRuntimeAnswer(uint64_t env_id, const std::string& request_id,
                       InvocationRecord::Outcome outcome, std::string type,
                       std::string payload);
  void OnRuntimeInitError(uint64_t env_id, std::string type,
                          std::string payload);
  // LogResult: START, the invocation's logs, END and REPORT.
  std::string LogResult(Env& env, const Invocation& inv,
                        int64_t max_memory_mb) const;
  void Complete(Env& env, InvocationRecord::Outcome outcome,
                std::string error_type, std::string payload);
  void Retire(Env& env);
  // Retires every environment of `f` with no invocation running.
  void RetireIdle(const Function& f);
  Env* FindEnv(uint64_t id);
  void InvokeWithId(const std::string& name, std::string payload,
                    std::string request_id, InvokeCallback done);
  void Attempt(uint64_t event_id);
  void ScheduleAttempt(uint64_t event_id, Duration after);
  // True when `f` may start one more invocation now.
  bool HasCapacity(const Function& f) const;
  // Starts the waiting Event invocation the slot `freed` gave up serves.
  void WakeWaiting(const Function& freed);
  // Every waiting event tries again (the limits changed).
  void RecheckWaiting();
  void Finish(uint64_t event_id, const char* condition,
              const InvokeResult* result);
  // To f's dead-letter target: `ev` given up on after `result` (nullptr
  // when no attempt answered).
  void SendDeadLetter(const Function& f, const AsyncEvent& ev,
                      const InvokeResult* result);
  void Note(const AsyncNote& note);
  // The errorType of an error payload ("Unhandled" when it names none).
  static std::string ErrorTypeOf(const std::string& payload);
  // Through gate_ when set, else at once.
  void Admit(std::string key, uint64_t env, std::function<void()> input);
  // Tells on_process_ (when set).
  void NoteProcess(const Env& env, ProcessChange change);
  // Deterministic runs: true when `env`'s answer must wait for the
  // invocation's virtual end; `answer` then runs at that instant (if the
  // invocation is still the environment's and has not timed out).
  bool HoldAnswer(Env& env, std::function<void(Env&)> answer);
  // Draws an invocation's virtual duration.
  Duration VirtualDuration(const FunctionConfig& c);

  Clock& clock_;
  Launcher& launcher_;
  IdGenerator& ids_;
  FunctionServiceOptions options_;
  // The clock library preloaded into function processes; "" when there is
  // no clock file or no library (FunctionServiceOptions::clock_file).
  std::string clock_library_;
  std::map<std::string, std::shared_ptr<Function>> functions_;
  // Environments by id: process callbacks hold an id, never a pointer.
  std::map<uint64_t, std::unique_ptr<Env>> envs_;
  RecordCallback on_record_;
  AsyncNoteCallback on_async_note_;
  std::function<void()> on_start_;
  std::function<std::string()> http_endpoint_provider_;
  std::function<std::string()> socket_provider_;
  RuntimeApiListeners* listeners_ = nullptr;
  sim::FaultInjector* faults_ = nullptr;
  // Access key id -> environment id.
  std::map<std::string, uint64_t, std::less<>> access_keys_;
  DestinationSender send_destination_;
  DeadLetterSender send_dead_letter_;
  std::map<uint64_t, std::unique_ptr<AsyncEvent>> events_;
  uint64_t next_event_ = 1;
  int64_t running_ = 0;
  uint64_t next_env_ = 1;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  Gate gate_;
  ProcessCallback on_process_;
  uint64_t duration_rng_ = 0;  // splitmix64 state (deterministic runs)
  std::unique_ptr<CodePackageStore> code_store_;  // made on first use
  std::string private_code_root_;  // removed with the service when set
};

}  // namespace fanlab::compute

#endif  // FANLAB_EMULATOR_COMPUTE_FUNCTION_SERVICE_H_
