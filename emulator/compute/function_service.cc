#include "emulator/compute/function_service.h"

#include <boost/json.hpp>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <set>

#include "emulator/compute/lambda_errors.h"
#include "emulator/core/common_errors.h"
#include "emulator/core/json_writer.h"
#include "emulator/queue/sqs_errors.h"

namespace fanlab::compute {
namespace json = boost::json;

namespace {

constexpr size_t kSyncPayloadLimit = 6 * 1024 * 1024;  // bytes, as Lambda
constexpr size_t kLogResultBytes = 4096;

bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      return false;
    }
  }
  return true;
}

int64_t EpochMs(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             t.time_since_epoch())
      .count();
}

std::string ErrorPayload(std::string_view type, std::string_view message) {
  JsonWriter w;
  w.BeginObject()
      .Key("errorType")
      .String(type)
      .Key("errorMessage")
      .String(message)
      .EndObject();
  return w.Take();
}

// The error type and payload of an invocation whose result channel broke:
// a payload over Lambda's limit (Function.ResponseSizeTooLarge, Lambda's
// message), or anything else that is not a frame (Runtime.InvalidResponse).
std::pair<std::string, std::string> ReaderFailure(const ResultReader& reader,
                                                  const std::string& id) {
  if (reader.too_large()) {
    return {"Function.ResponseSizeTooLarge",
            ErrorPayload("Function.ResponseSizeTooLarge", reader.error())};
  }
  return {"Runtime.InvalidResponse",
          ErrorPayload("Runtime.InvalidResponse",
                       "RequestId: " + id + " Error: " + reader.error())};
}

Status InvalidParameter(std::string message) {
  return Status(lambda::kInvalidParameterValueException, std::move(message));
}

// The runtimes fanlab runs, in Lambda's names.
const std::set<std::string, std::less<>>& SupportedRuntimes() {
  static const std::set<std::string, std::less<>> kRuntimes = {
      "provided.al2023", "provided.al2", "python3.9",  "python3.10",
      "python3.11",      "python3.12",   "python3.13", "nodejs18.x",
      "nodejs20.x",      "nodejs22.x"};
  return kRuntimes;
}

bool IsProvided(std::string_view runtime) {
  return runtime.starts_with("provided");
}

// Where fanlab's runtime clients are when nothing says otherwise.
std::string DefaultRuntimesDir() {
  if (const char* dir = std::getenv("FANLAB_RUNTIMES_DIR");
      dir != nullptr && *dir != '\0') {
    return dir;
  }
  std::error_code ec;
  std::filesystem::path exe =
      std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "runtimes";
  // A build tree keeps them beside the executable; an installed fanlab in
  // <prefix>/lib/fanlab/runtimes, found from <prefix>/bin or, for a user's
  // own test binary linking the installed harness, at the prefix it was
  // installed to.
  std::filesystem::path beside = exe.parent_path() / "runtimes";
  std::filesystem::path installed =
      exe.parent_path().parent_path() / "lib" / "fanlab" / "runtimes";
  if (!std::filesystem::is_directory(beside, ec) &&
      std::filesystem::is_directory(installed, ec)) {
    return installed.string();
  }
#ifdef FANLAB_INSTALL_RUNTIMES_DIR
  if (!std::filesystem::is_directory(beside, ec) &&
      std::filesystem::is_directory(FANLAB_INSTALL_RUNTIMES_DIR, ec)) {
    return FANLAB_INSTALL_RUNTIMES_DIR;
  }
#endif
  return beside.string();
}

// An X-Ray trace header for an invocation, derived from its request id.
std::string TraceId(const std::string& request_id, TimePoint now) {
  std::string hex;
  for (char c : request_id) {
    if (std::isxdigit(static_cast<unsigned char>(c))) hex += c;
  }
  hex.resize(32, '0');
  char epoch[16];
  std::snprintf(epoch, sizeof epoch, "%08llx",
                static_cast<unsigned long long>(EpochMs(now) / 1000));
  return "Root=1-" + std::string(epoch) + "-" + hex.substr(0, 24) +
         ";Parent=" + hex.substr(16, 16) + ";Sampled=0";
}

std::string Millis(Duration d) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f",
                std::chrono::duration<double, std::milli>(d).count());
  return text;
}

}  // namespace

struct FunctionService::Function {
  FunctionConfig config;
  EventInvokeConfig events;
  std::string arn;
  uint64_t generation = 1;  // bumped by UpdateFunctionConfiguration
  int64_t in_flight = 0;
  // Event invocations waiting for a free slot, oldest first.
  std::deque<uint64_t> waiting;
};

struct FunctionService::Invocation {
  std::string request_id;
  uint64_t log_mark = 0;  // the environment's log bytes before it
  InvokeCallback done;
  TimePoint start;
  TimePoint deadline;
  TimerId deadline_timer = 0;
  bool cold = true;
  bool timed_out = false;
  Duration timed_out_after{0};
  // Deterministic runs: when its answer may be taken, and the answer
  // waiting for that instant (run at once if the process exits first).
  TimePoint virtual_end;
  std::function<void(Env&)> held;
  TimerId held_timer = 0;
};

struct FunctionService::AsyncEvent {
  std::string request_id;
  std::string function;
  std::string payload;
  TimePoint queued;
  int64_t attempts = 0;  // invocations that ran (throttles do not count)
  TimerId timer = 0;
  bool waiting = false;  // in its function's `waiting` queue
  bool woken = false;    // taken off that queue for a freed slot
};

struct FunctionService::Env {
  uint64_t id = 0;
  std::shared_ptr<Function> fn;
  uint64_t generation = 0;
  std::shared_ptr<FunctionProcess> process;
  ResultReader reader;
  std::unique_ptr<Invocation> current;
  bool used = false;  // an invocation has started in it (it is warm)
  TimePoint spawned;
  std::optional<Duration> init;
  bool retiring = false;
  bool failed = false;  // not to be reused (an init error)
  TimerId idle_timer = 0;
  std::string access_key;
  // Runtime API environments only (the listener's handler holds the id).
  std::unique_ptr<RuntimeApi> api;
  std::unique_ptr<RuntimeApiListener> listener;
};

FunctionService::FunctionService(Clock& clock, Launcher& launcher,
                                 IdGenerator& ids,
                                 FunctionServiceOptions options)
    : clock_(clock),
      launcher_(launcher),
      ids_(ids),
      options_(std::move(options)),
      duration_rng_(options_.seed) {
  if (options_.runtimes_dir.empty())
    options_.runtimes_dir = DefaultRuntimesDir();
  if (const char* zygote = std::getenv("FANLAB_PYTHON_ZYGOTE");
      zygote != nullptr && std::string_view(zygote) == "0") {
    options_.python_zygote = false;
  }
  if (!options_.clock_file.empty()) {
    std::error_code ec;
    auto library =
        std::filesystem::path(options_.runtimes_dir) / "libfanlab_clock.so";
    if (std::filesystem::is_regular_file(library, ec)) {
      clock_library_ = library.string();
    }
  }
}

FunctionService::~FunctionService() {
  *alive_ = false;
  for (auto& [id, ev] : events_) {
    if (ev->timer != 0) clock_.Cancel(ev->timer);
  }
  for (auto& [id, env] : envs_) {
    if (env->idle_timer != 0) clock_.Cancel(env->idle_timer);
    if (env->current && env->current->deadline_timer != 0) {
      clock_.Cancel(env->current->deadline_timer);
    }
    env->process->Detach();
    env->process->Terminate(std::chrono::milliseconds(0));
  }
  if (!private_code_root_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(private_code_root_, ignored);
  }
}

Result<CodePackage> FunctionService::UnpackCode(std::string_view zip,
                                                CodeSource source,
                                                std::string_view operation) {
  if (!code_store_) {
    std::string root;
    if (!options_.data_dir.empty()) {
      root =
          (std::filesystem::path(options_.data_dir) / "lambda-code").string();
    } else {
      std::error_code ec;
      std::filesystem::path tmp = std::filesystem::temp_directory_path(ec);
      std::string pattern =
          ((ec ? std::filesystem::path("/tmp") : tmp) / "fanlab-code-XXXXXX")
              .string();
      if (::mkdtemp(pattern.data()) == nullptr) {
        return Status(common::kInternalError,
                      "Cannot make a directory for code packages (" + pattern +
                          "): " + std::strerror(errno));
      }
      root = private_code_root_ = pattern;
    }
    code_store_ = std::make_unique<CodePackageStore>(std::move(root));
  }
  return code_store_->Unpack(zip, source, operation);
}

// ---------------------------------------------------------------- registry

std::shared_ptr<FunctionService::Function> FunctionService::Find(
    const std::string& name) const {
  auto it = functions_.find(name);
  return it == functions_.end() ? nullptr : it->second;
}

Status FunctionService::Validate(const FunctionConfig& c) const {
  if (!ValidName(c.name)) {
    return InvalidParameter(
        "FunctionName '" + c.name +
        "' must be 1 to 64 letters, digits, hyphens or underscores.");
  }
  if (c.runtime.empty()) {
    if (c.command.empty() || c.command.front().empty()) {
      return InvalidParameter(
          "Runtime is required unless Code.Command gives the process to run "
          "(a non-empty list of strings, the argv).");
    }
  } else {
    if (SupportedRuntimes().count(c.runtime) == 0) {
      std::string names;
      for (const auto& r : SupportedRuntimes()) {
        names += (names.empty() ? "" : ", ") + r;
      }
      return InvalidParameter("Runtime '" + c.runtime +
                              "' is not supported: use one of " + names + ".");
    }
    bool provided = IsProvided(c.runtime);
    if (!c.command.empty() && (!provided || c.command.front().empty())) {
      return InvalidParameter(
          provided ? "Code.Command must be a non-empty list of strings."
                   : "Code.Command cannot be given with Runtime " + c.runtime +
                         ": the runtime runs the Handler.");
    }
    if (c.command.empty() && c.code_dir.empty() && c.working_dir.empty()) {
      return InvalidParameter(
          "Runtime " + c.runtime +
          " needs the function's code: Code.ZipFile (or "
          "Code.WorkingDirectory, a directory holding it).");
    }
    if (!provided && c.handler.empty()) {
      return InvalidParameter("Handler is required with Runtime " + c.runtime +
                              " (module.function).");
    }
  }
  if (c.handler.size() > 128) {
    return InvalidParameter("Handler must be at most 128 characters.");
  }
  for (char ch : c.handler) {
    if (std::isspace(static_cast<unsigned char>(ch))) {
      return InvalidParameter("Handler '" + c.handler +
                              "' must not contain whitespace.");
    }
  }
  if (c.timeout_seconds < 1 || c.timeout_seconds > 900) {
    return InvalidParameter("Timeout " + std::to_string(c.timeout_seconds) +
                            " must be between 1 and 900 seconds.");
  }
  if (c.memory_mb < 128 || c.memory_mb > 10240) {
    return InvalidParameter("MemorySize " + std::to_string(c.memory_mb) +
                            " must be between 128 and 10240 MB.");
  }
  for (const auto& [k, v] : c.env) {
    if (k.empty() || k.find('=') != std::string::npos ||
        std::isdigit(static_cast<unsigned char>(k[0]))) {
      return InvalidParameter("Environment variable name '" + k +
                              "' is not valid.");
    }
  }
  return Status::Ok();
}

namespace {

// A Code.Command's program is checked when the function is created or its
// command changes, as Lambda refuses bad code at once rather than at the
// first invocation: resolved as the launcher will (against the working
// directory, or on the function's PATH).
Status CheckCommand(const Launcher& launcher, const FunctionConfig& c) {
  if (c.command.empty()) return Status::Ok();
  LaunchSpec spec;
  spec.argv = c.command;
  spec.working_dir = c.code_dir.empty() ? c.working_dir : c.code_dir;
  auto path = c.env.find("PATH");
  spec.env.push_back("PATH=" +
                     (path == c.env.end()
                          ? std::string("/usr/local/bin:/usr/bin:/bin")
                          : path->second));
  Status s = launcher.CheckProgram(spec);
  if (s.ok()) return s;
  return InvalidParameter("Code.Command: " + std::string(s.message()));
}

}  // namespace

Result<FunctionConfig> FunctionService::CreateFunction(FunctionConfig config) {
  if (Status s = Validate(config); !s.ok()) return s;
  if (Status s = CheckCommand(launcher_, config); !s.ok()) return s;
  if (functions_.count(config.name) != 0) {
    return Status(lambda::kResourceConflictException,
                  "Function already exist: " + config.name);
  }
  auto f = std::make_shared<Function>();
  f->arn = "arn:aws:lambda:" + options_.region + ":" + options_.account +
           ":function:" + config.name;
  config.reserved_concurrency.reset();  // set by PutFunctionConcurrency
  f->config = std::move(config);
  functions_[f->config.name] = f;
  StartAhead(f);
  return f->config;
}

Result<FunctionConfig> FunctionService::GetFunction(
    const std::string& name) const {
  auto f = Find(name);
  if (!f) {
    return Status(lambda::kResourceNotFoundException,
                  "Function not found: arn:aws:lambda:" + options_.region +
                      ":" + options_.account + ":function:" + name);
  }
  return f->config;
}

std::vector<FunctionConfig> FunctionService::ListFunctions() const {
  std::vector<FunctionConfig> out;
  for (const auto& [name, f] : functions_) out.push_back(f->config);
  return out;
}

Status FunctionService::DeleteFunction(const std::string& name) {
  auto f = Find(name);
  if (!f) return GetFunction(name).status();
  functions_.erase(name);
  f->generation++;  // no environment of it is reused again
  RetireIdle(*f);
  // Its waiting events find it gone and are dropped; a reservation it
  // held goes back to the pool, where others may wait.
  for (uint64_t key : f->waiting) ScheduleAttempt(key, Duration(0));
  f->waiting.clear();
  if (f->config.reserved_concurrency) RecheckWaiting();
  return Status::Ok();
}

Result<FunctionConfig> FunctionService::UpdateFunctionConfiguration(
    FunctionConfig config) {
  auto f = Find(config.name);
  if (!f) return GetFunction(config.name).status();
  if (Status s = Validate(config); !s.ok()) return s;
  if (config.command != f->config.command ||
      config.working_dir != f->config.working_dir ||
      config.code_dir != f->config.code_dir) {
    if (Status s = CheckCommand(launcher_, config); !s.ok()) return s;
  }
  config.reserved_concurrency = f->config.reserved_concurrency;
  config.virtual_duration = f->config.virtual_duration;
  config.virtual_duration_max = f->config.virtual_duration_max;
  f->config = std::move(config);
  f->generation++;
  RetireIdle(*f);
  StartAhead(f);
  return f->config;
}

Status FunctionService::PutFunctionConcurrency(
    const std::string& name, std::optional<int64_t> reserved) {
  auto f = Find(name);
  if (!f) return GetFunction(name).status();
  if (reserved) {
    if (*reserved < 0) {
      return InvalidParameter("ReservedConcurrentExecutions must be >= 0.");
    }
    int64_t others = 0;
    for (const auto& [n, g] : functions_) {
      if (g != f) others += g->config.reserved_concurrency.value_or(0);
    }
    int64_t keep = std::min<int64_t>(100, options_.global_concurrency / 2);
    if (others + *reserved > options_.global_concurrency - keep) {
      return InvalidParameter(
          "Specified ReservedConcurrentExecutions for function decreases "
          "account's UnreservedConcurrentExecution below its minimum value "
          "of [" +
          std::to_string(keep) + "].");
    }
  }
  f->config.reserved_concurrency = reserved;
  if (reserved == 0) RetireIdle(*f);  // none can run
  RecheckWaiting();  // slots may have been added, here or in the pool
  return Status::Ok();
}

void FunctionService::RecheckWaiting() {
  for (auto& [name, f] : functions_) {
    for (uint64_t key : f->waiting) ScheduleAttempt(key, Duration(0));
    f->waiting.clear();
  }
}

size_t FunctionService::environments(const std::string& name) const {
  size_t n = 0;
  for (const auto& [id, env] : envs_) {
    if (env->fn->config.name == name && !env->retiring) ++n;
  }
  return n;
}

size_t FunctionService::ready_environments(const std::string& name) const {
  size_t n = 0;
  for (const auto& [id, env] : envs_) {
    if (env->fn->config.name == name && !env->retiring && !env->current &&
        (!env->api || env->api->waiting())) {
      ++n;
    }
  }
  return n;
}

// -------------------------------------------------------------- invoking

Result<InvokeResult> FunctionService::DryRun(const std::string& name,
                                             const std::string& payload) const {
  if (!Find(name)) return GetFunction(name).status();
  if (payload.size() > kSyncPayloadLimit) {
    return Status(lambda::kRequestTooLargeException,
                  "Request must be smaller than 6291456 bytes for the "
                  "InvokeFunction operation");
  }
  return InvokeResult{.status_code = 204};
}

void FunctionService::Invoke(const std::string& name, std::string payload,
                             InvokeCallback done) {
  InvokeWithId(name, std::move(payload), ids_.NextUuidString(),
               std::move(done));
}

void FunctionService::InvokeWithId(const std::string& name, std::string payload,
                                   std::string request_id,
                                   InvokeCallback done) {
  auto checked = DryRun(name, payload);
  if (!checked.ok()) return done(checked.status());
  auto f = Find(name);
  // Concurrency: a reservation is the function's own pool; the others
  // share what the reservations leave of the global limit.
  bool throttled = !HasCapacity(*f);
  auto inv = std::make_unique<Invocation>();
  inv->request_id = std::move(request_id);
  inv->done = std::move(done);
  inv->start = clock_.Now();
  if (throttled) {
    InvocationRecord record{.request_id = inv->request_id,
                            .function = name,
                            .outcome = InvocationRecord::Outcome::kThrottle,
                            .error_type = "TooManyRequestsException",
                            .cold = false,  // no environment was involved
                            .start = inv->start};
    if (on_record_) on_record_(record);
    return inv->done(
        Status(lambda::kTooManyRequestsException, "Rate Exceeded."));
  }
  inv->deadline = inv->start + std::chrono::seconds(f->config.timeout_seconds);
  // A warm function reuses an idle environment of its current version.
  Env* env = nullptr;
  if (f->config.mode == Mode::kWarm) {
    for (auto& [id, e] : envs_) {
      if (e->fn == f && e->generation == f->generation && !e->current &&
          !e->retiring) {
        env = e.get();
        break;
      }
    }
  }
  if (env != nullptr) {
    inv->cold = !env->used;  // started ahead: this is its first invocation
    if (env->idle_timer != 0) clock_.Cancel(env->idle_timer);
    env->idle_timer = 0;
  } else {
    auto spawned = Spawn(f, inv.get());
    if (!spawned.ok()) {
      // The command cannot be run at all: the invocation fails as Lambda
      // fails a function whose runtime cannot start.
      InvokeResult r{.function_error = "Unhandled",
                     .payload = ErrorPayload("Runtime.InvalidEntrypoint",
                                             spawned.status().message()),
                     .request_id = inv->request_id};
      InvocationRecord record{.request_id = inv->request_id,
                              .function = name,
                              .outcome = InvocationRecord::Outcome::kError,
                              .error_type = "Runtime.InvalidEntrypoint",
                              .start = inv->start};
      if (on_record_) on_record_(record);
      return inv->done(std::move(r));
    }
    env = *spawned;
  }
  std::string body = std::move(payload);
  Start(*env, std::move(inv));
  if (env->api) {
    const Invocation& cur = *env->current;
    env->api->Assign({.request_id = cur.request_id,
                      .deadline_ms = EpochMs(cur.deadline),
                      .function_arn = f->arn,
                      .trace_id = TraceId(cur.request_id, cur.start),
                      .payload = std::move(body)});
    return;
  }
  JsonWriter header;
  const Invocation& cur = *env->current;
  header.BeginObject()
      .Key("requestId")
      .String(cur.request_id)
      .Key("deadlineMs")
      .Int(EpochMs(cur.deadline))
      .Key("nowMs")
      .Int(EpochMs(clock_.Now()))
      .Key("functionName")
      .String(f->config.name)
      .Key("invokedFunctionArn")
      .String(f->arn)
      .Key("length")
      .Int(static_cast<int64_t>(body.size()))
      .EndObject();
  std::string frame = header.Take();
  frame += '\n';
  frame += body;
  env->process->Write(std::move(frame));
  if (f->config.mode == Mode::kCold) env->process->CloseStdin();
  NoteProcess(*env, ProcessChange::kWoken);
}

std::vector<std::string> FunctionService::EnvironmentFor(
    const Function& f, const Invocation* cold) const {
  const FunctionConfig& c = f.config;
  std::map<std::string, std::string> env = {
      {"PATH", "/usr/local/bin:/usr/bin:/bin"},
      {"LANG", "en_US.UTF-8"},
      {"TZ", ":UTC"},
  };
  for (const auto& [k, v] : c.env) env[k] = v;  // declared ones win so far
  std::string root = !c.code_dir.empty() ? c.code_dir
                     : !c.working_dir.empty()
                         ? c.working_dir
                         : std::filesystem::current_path().string();
  // The runtime's own variables are not the function's to override.
  env["AWS_LAMBDA_FUNCTION_NAME"] = c.name;
  env["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST";
  env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = std::to_string(c.memory_mb);
  env["AWS_LAMBDA_LOG_GROUP_NAME"] = "/aws/lambda/" + c.name;
  env["AWS_LAMBDA_LOG_STREAM_NAME"] =
      "fanlab/[$LATEST]" + std::to_string(next_env_);
  env["AWS_LAMBDA_INITIALIZATION_TYPE"] = "on-demand";
  env["AWS_REGION"] = options_.region;
  env["AWS_DEFAULT_REGION"] = options_.region;
  env["AWS_EXECUTION_ENV"] =
      c.runtime.empty() ? "fanlab" : "AWS_Lambda_" + c.runtime;
  env["LAMBDA_TASK_ROOT"] = root;
  // The AWS SDKs reach the emulator, with credentials of this environment
  // (dummy, but its own: WhoCalled tells whose a call was).
  if (!options_.http_endpoint.empty()) {
    env["AWS_ENDPOINT_URL"] = options_.http_endpoint;
  }
  env["AWS_ACCESS_KEY_ID"] = AccessKeyFor(next_env_);
  env["AWS_SECRET_ACCESS_KEY"] =
      "fanlab/secret/" + std::to_string(next_env_) + "/not-a-real-secret";
  env["AWS_SESSION_TOKEN"] = "fanlab-session-" + std::to_string(next_env_);
  // fanlab's own clients (the SDK, `fanlab call` and the service
  // commands) call the function socket; a ZeroMQ endpoint only when there
  // is none.
  if (!options_.socket.empty()) {
    env["FANLAB_SOCKET"] = options_.socket;
    env["FANLAB_ENDPOINT"] = "unix://" + options_.socket;
  } else {
    env["FANLAB_ENDPOINT"] = options_.endpoint;
  }
  // What the emulator asks of callers (ZeroMQ and HTTP): their calls work.
  if (!options_.auth_token.empty()) {
    env["FANLAB_AUTH_TOKEN"] = options_.auth_token;
  }
  if (!options_.http_endpoint.empty()) {
    env["FANLAB_HTTP_ENDPOINT"] = options_.http_endpoint;
  }
  env["FANLAB_FUNCTION_NAME"] = c.name;
  env["FANLAB_FUNCTION_TIMEOUT"] = std::to_string(c.timeout_seconds);
  if (VirtualClockFor(c)) {
    std::string& preload = env["LD_PRELOAD"];
    preload = preload.empty() ? clock_library_ : clock_library_ + ":" + preload;
    env["FANLAB_CLOCK_FILE"] = options_.clock_file;
  }
  if (!c.runtime.empty()) {
    env["_HANDLER"] = c.handler;
    env["LAMBDA_RUNTIME_DIR"] =
        IsProvided(c.runtime) ? root : options_.runtimes_dir;
    // AWS_LAMBDA_RUNTIME_API is added by Spawn (the listener's address).
    std::vector<std::string> out;
    for (const auto& [k, v] : env) out.push_back(k + "=" + v);
    return out;
  }
  env["FANLAB_MODE"] = c.mode == Mode::kCold ? "cold" : "warm";
  env["FANLAB_RESULT_FD"] = "3";
  if (cold != nullptr && c.mode == Mode::kCold) {
    env["FANLAB_REQUEST_ID"] = cold->request_id;
    env["FANLAB_DEADLINE_MS"] = std::to_string(EpochMs(cold->deadline));
  }
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

Result<FunctionService::Env*> FunctionService::Spawn(
    const std::shared_ptr<Function>& f, const Invocation* cold) {
  auto env = std::make_unique<Env>();
  env->id = next_env_;
  env->fn = f;
  env->generation = f->generation;
  env->spawned = clock_.Now();
  if (options_.http_endpoint.empty() && http_endpoint_provider_) {
    options_.http_endpoint = http_endpoint_provider_();
  }
  if (options_.socket.empty() && socket_provider_) {
    options_.socket = socket_provider_();
  }
  const FunctionConfig& c = f->config;
  LaunchSpec spec;
  auto argv = ArgvFor(c);
  if (!argv.ok()) return argv.status();
  spec.argv = std::move(*argv);
  spec.env = EnvironmentFor(*f, cold);
  spec.working_dir = c.code_dir.empty() ? c.working_dir : c.code_dir;
  // MemorySize limits memory used, not address space (runtimes reserve
  // far more than they touch): RLIMIT_AS stays off.
  spec.memory_bytes = 0;
  spec.rss_limit_bytes = uint64_t(c.memory_mb) << 20;
  spec.memory_sample_period = options_.memory_sample_period;
  if (c.runtime.starts_with("python") && c.command.empty() &&
      options_.python_zygote) {
    auto own = c.env.find("FANLAB_PYTHON_ZYGOTE");
    spec.python_fork_server = own == c.env.end() || own->second != "0";
  }
  if (!c.runtime.empty()) {
    if (Status s = ListenFor(*env); !s.ok()) return s;
    spec.env.push_back("AWS_LAMBDA_RUNTIME_API=" + env->listener->address());
  }
  env->access_key = AccessKeyFor(env->id);
  uint64_t id = env->id;
  std::weak_ptr<bool> alive = alive_;
  auto launched = launcher_.Launch(
      spec, {.on_result =
                 [this, alive, id](std::string_view bytes) {
                   if (alive.expired()) return;
                   Admit("r" + std::to_string(id), id,
                         [this, alive, id, copy = std::string(bytes)] {
                           if (!alive.expired()) OnResultBytes(id, copy);
                         });
                 },
             .on_exit =
                 [this, alive, id](const ExitStatus& status) {
                   if (alive.expired()) return;
                   Env* e = FindEnv(id);
                   if (e == nullptr) return;
                   NoteProcess(*e, ProcessChange::kGone);
                   if (e->retiring && !e->current) {
                     // Answered and retiring: nothing observable follows.
                     OnExit(id, status);
                     return;
                   }
                   Admit(kExitKeyPrefix + std::to_string(id), id,
                         [this, alive, id, status] {
                           if (!alive.expired()) OnExit(id, status);
                         });
                 }});
  if (!launched.ok()) return launched.status();
  ++next_env_;
  env->process = *launched;
  access_keys_[env->access_key] = id;
  Env* raw = env.get();
  envs_[id] = std::move(env);
  NoteProcess(*raw, ProcessChange::kWoken);
  return raw;
}

void FunctionService::StartAhead(const std::shared_ptr<Function>& f) {
  const FunctionConfig& c = f->config;
  if (!options_.start_ahead || c.runtime.empty() || c.mode != Mode::kWarm ||
      (c.reserved_concurrency && *c.reserved_concurrency == 0)) {
    return;
  }
  // A runtime that cannot start is reported by the invocation that needs
  // it (its own Spawn fails the same way).
  if (auto env = Spawn(f, nullptr); env.ok()) ArmIdleTimer(**env);
}

void FunctionService::ArmIdleTimer(Env& env) {
  uint64_t id = env.id;
  std::weak_ptr<bool> alive = alive_;
  env.idle_timer = clock_.ScheduleAt(clock_.Now() + options_.idle_timeout,
                                     [this, alive, id] {
                                       if (alive.expired()) return;
                                       if (Env* e = FindEnv(id)) {
                                         e->idle_timer = 0;
                                         Retire(*e);
                                       }
                                     });
}

void FunctionService::Start(Env& env, std::unique_ptr<Invocation> inv) {
  env.used = true;
  // A cold environment's logs all belong to its first invocation (init
  // included); a warm one's from here on.
  inv->log_mark = inv->cold ? 0 : env.process->LogMark();
  env.process->WatchMemory(true);
  ++running_;
  if (on_start_) on_start_();
  ++env.fn->in_flight;
  uint64_t id = env.id;
  std::weak_ptr<bool> alive = alive_;
  inv->deadline_timer = clock_.ScheduleAt(inv->deadline, [this, alive, id] {
    if (!alive.expired()) OnDeadline(id);
  });
  if (options_.deterministic) {
    inv->virtual_end = inv->start + VirtualDuration(env.fn->config);
  }
  env.current = std::move(inv);
  if (faults_) StartFault(env);
}

void FunctionService::StartFault(Env& env) {
  sim::InvocationFault f =
      faults_->OnInvocationStart(env.fn->config.name, env.current->request_id);
  if (f.act == sim::InvocationFault::Act::kNone) return;
  // From the loop: the invocation is under way (its event sent) first.
  std::weak_ptr<bool> alive = alive_;
  clock_.ScheduleAfter(
      Duration(0), [this, alive, id = env.current->request_id,
                    timeout = f.act == sim::InvocationFault::Act::kTimeout] {
        if (!alive.expired()) KillInvocation(id, timeout);
      });
}

std::vector<Caller> FunctionService::RunningInvocations() const {
  std::vector<Caller> out;
  for (const auto& [id, env] : envs_) {
    if (env->current) {
      out.push_back({env->fn->config.name, id, env->current->request_id});
    }
  }
  return out;
}

bool FunctionService::KillInvocation(std::string_view request_id,
                                     bool as_timeout) {
  for (auto& [id, env] : envs_) {
    if (!env->current || env->current->request_id != request_id ||
        env->current->timed_out) {
      continue;
    }
    if (as_timeout) {
      clock_.Cancel(env->current->deadline_timer);
      OnDeadline(id);
    } else {
      if (env->api) env->api->Abandon();
      env->retiring = true;
      env->process->Terminate(std::chrono::milliseconds(0));
      NoteProcess(*env, ProcessChange::kWoken);
    }
    return true;
  }
  return false;
}

Status FunctionService::SetVirtualDuration(const std::string& name,
                                           Duration min, Duration max) {
  auto f = Find(name);
  if (!f) return GetFunction(name).status();
  f->config.virtual_duration = min;
  f->config.virtual_duration_max = max;
  return Status::Ok();
}

Duration FunctionService::VirtualDuration(const FunctionConfig& c) {
  if (c.virtual_duration_max <= c.virtual_duration) return c.virtual_duration;
  // splitmix64: the same draws for the same seed on every platform.
  uint64_t z = (duration_rng_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  uint64_t span =
      uint64_t((c.virtual_duration_max - c.virtual_duration).count()) + 1;
  return c.virtual_duration + Duration(int64_t(z % span));
}

void FunctionService::Note(const AsyncNote& note) {
  if (on_async_note_) on_async_note_(note);
}

std::string FunctionService::ErrorTypeOf(const std::string& payload) {
  boost::system::error_code ec;
  json::value v = json::parse(payload, ec);
  if (!ec && v.is_object()) {
    if (const json::value* t = v.get_object().if_contains("errorType");
        t != nullptr && t->is_string()) {
      return std::string(t->get_string());
    }
  }
  return "Unhandled";
}

void FunctionService::Admit(std::string key, uint64_t env,
                            std::function<void()> input) {
  if (gate_) {
    gate_(std::move(key), env, std::move(input));
  } else {
    input();
  }
}

void FunctionService::NoteProcess(const Env& env, ProcessChange change) {
  if (on_process_ && env.process) {
    on_process_(env.id, env.process->pid(), change);
  }
}

bool FunctionService::HoldAnswer(Env& env, std::function<void(Env&)> answer) {
  if (!options_.deterministic || !env.current ||
      clock_.Now() >= env.current->virtual_end) {
    return false;
  }
  Invocation& inv = *env.current;
  inv.held = std::move(answer);
  uint64_t id = env.id;
  std::string request_id = inv.request_id;
  std::weak_ptr<bool> alive = alive_;
  inv.held_timer =
      clock_.ScheduleAt(inv.virtual_end, [this, alive, id, request_id] {
        if (alive.expired()) return;
        Env* e = FindEnv(id);
        if (e == nullptr || !e->current || e->current->timed_out ||
            e->current->request_id != request_id || !e->current->held) {
          return;
        }
        e->current->held_timer = 0;
        auto held = std::move(e->current->held);
        e->current->held = nullptr;
        held(*e);
      });
  return true;
}

uint64_t FunctionService::EnvironmentOfProcess(int pid) const {
  for (const auto& [id, env] : envs_) {
    if (env->process && env->process->pid() == pid) return id;
  }
  return 0;
}

std::vector<int> FunctionService::ProcessIds() const {
  std::vector<int> out;
  for (const auto& [id, env] : envs_) {
    if (env->process) out.push_back(env->process->pid());
  }
  return out;
}

FunctionService::Env* FunctionService::FindEnv(uint64_t id) {
  auto it = envs_.find(id);
  return it == envs_.end() ? nullptr : it->second.get();
}

void FunctionService::OnResultBytes(uint64_t env_id, std::string_view bytes) {
  Env* env = FindEnv(env_id);
  if (env == nullptr) return;
  for (ResultFrame& frame : env->reader.Feed(bytes)) {
    if (frame.kind == ResultFrame::Kind::kReady) {
      if (!env->init) env->init = clock_.Now() - env->spawned;
      continue;
    }
    if (!env->current || env->current->timed_out || env->current->held) {
      // A result nobody asked for: the environment is out of step.
      Retire(*env);
      return;
    }
    if (HoldAnswer(*env,
                   [this, frame](Env& e) { CompleteWithFrame(e, frame); })) {
      continue;
    }
    CompleteWithFrame(*env, frame);
  }
  if (!env->reader.error().empty()) {
    if (env->current && !env->current->timed_out) {
      auto [type, payload] =
          ReaderFailure(env->reader, env->current->request_id);
      Complete(*env, InvocationRecord::Outcome::kError, type, payload);
    }
    Retire(*env);  // a result over the limit: the process is not read on
  }
}

void FunctionService::CompleteWithFrame(Env& env, const ResultFrame& frame) {
  const std::string& id = env.current->request_id;
  boost::system::error_code ec;
  json::value parsed = json::parse(frame.payload, ec);
  if (ec) {
    Complete(env, InvocationRecord::Outcome::kError, "Runtime.InvalidResponse",
             ErrorPayload("Runtime.InvalidResponse",
                          "RequestId: " + id + " Error: the function's " +
                              (frame.kind == ResultFrame::Kind::kOk ? "result"
                                                                    : "error") +
                              " is not JSON: " + ec.message()));
    return;
  }
  if (frame.kind == ResultFrame::Kind::kOk) {
    Complete(env, InvocationRecord::Outcome::kSuccess, "", frame.payload);
    return;
  }
  std::string type = "Unhandled";
  if (parsed.is_object()) {
    if (const json::value* t = parsed.get_object().if_contains("errorType");
        t != nullptr && t->is_string()) {
      type = std::string(t->get_string());
    }
  }
  Complete(env, InvocationRecord::Outcome::kError, type, frame.payload);
}

void FunctionService::OnDeadline(uint64_t env_id) {
  Env* env = FindEnv(env_id);
  if (env == nullptr || !env->current) return;
  env->current->deadline_timer = 0;
  env->current->timed_out = true;
  env->current->timed_out_after = clock_.Now() - env->current->start;
  if (env->api) env->api->Abandon();  // a late answer is refused
  // The answer comes when the whole group is gone: no caller sees a
  // timeout while a process of it still runs.
  env->retiring = true;
  env->process->Terminate(options_.kill_grace);
  NoteProcess(*env, ProcessChange::kWoken);
}

void FunctionService::OnExit(uint64_t env_id, const ExitStatus& status) {
  Env* env = FindEnv(env_id);
  if (env == nullptr) return;
  if (env->current && env->current->held) {
    // It answered, and ended before its virtual duration was over: the
    // answer counts, now.
    if (env->current->held_timer != 0) clock_.Cancel(env->current->held_timer);
    auto held = std::move(env->current->held);
    env->current->held = nullptr;
    held(*env);
  }
  if (env->current) {
    const std::string id = env->current->request_id;
    if (env->current->timed_out) {
      char seconds[32];
      std::snprintf(
          seconds, sizeof seconds, "%.2f",
          std::chrono::duration<double>(env->current->timed_out_after).count());
      Complete(
          *env, InvocationRecord::Outcome::kTimeout, "Sandbox.Timedout",
          ErrorPayload("Sandbox.Timedout", "RequestId: " + id +
                                               " Error: Task timed out after " +
                                               seconds + " seconds"));
    } else if (status.out_of_memory) {
      Complete(*env, InvocationRecord::Outcome::kError, "Runtime.OutOfMemory",
               ErrorPayload("Runtime.OutOfMemory",
                            "RequestId: " + id +
                                " Error: Runtime exited with error: " +
                                status.Describe()));
    } else if (env->api) {
      // A Runtime API environment ended without answering.
      Complete(*env, InvocationRecord::Outcome::kError, "Runtime.ExitError",
               ErrorPayload("Runtime.ExitError",
                            "RequestId: " + id + " Error: Runtime exited " +
                                (status.signaled || status.code != 0
                                     ? "with error: " + status.Describe()
                                     : std::string("without providing a "
                                                   "reason"))));
    } else if (auto last = env->reader.Finish()) {
      if (last->kind == ResultFrame::Kind::kReady) {
        Complete(*env, InvocationRecord::Outcome::kError, "Runtime.ExitError",
                 ErrorPayload("Runtime.ExitError",
                              "RequestId: " + id +
                                  " Error: Runtime exited without providing "
                                  "a reason"));
      } else {
        CompleteWithFrame(*env, *last);
      }
    } else if (!env->reader.error().empty()) {
      auto [type, payload] = ReaderFailure(env->reader, id);
      Complete(*env, InvocationRecord::Outcome::kError, type, payload);
    } else if (status.signaled || status.code != 0) {
      Complete(*env, InvocationRecord::Outcome::kError, "Runtime.ExitError",
               ErrorPayload("Runtime.ExitError",
                            "RequestId: " + id +
                                " Error: Runtime exited with error: " +
                                status.Describe()));
    } else {
      Complete(*env, InvocationRecord::Outcome::kError, "Runtime.ExitError",
               ErrorPayload("Runtime.ExitError",
                            "RequestId: " + id +
                                " Error: Runtime exited without providing a "
                                "reason"));
    }
  }
  if (env->idle_timer != 0) clock_.Cancel(env->idle_timer);
  access_keys_.erase(env->access_key);
  envs_.erase(env_id);
}

void FunctionService::Complete(Env& env, InvocationRecord::Outcome outcome,
                               std::string error_type, std::string payload) {
  std::unique_ptr<Invocation> inv = std::move(env.current);
  if (inv->deadline_timer != 0) clock_.Cancel(inv->deadline_timer);
  if (inv->held_timer != 0) clock_.Cancel(inv->held_timer);
  if (env.api) env.api->Abandon();
  int64_t max_memory_mb = static_cast<int64_t>(
      (env.process->PeakMemoryBytes() + (1 << 20) - 1) >> 20);
  env.process->WatchMemory(false);
  --running_;
  --env.fn->in_flight;
  WakeWaiting(*env.fn);
  InvocationRecord record{
      .request_id = inv->request_id,
      .function = env.fn->config.name,
      .outcome = outcome,
      .error_type = error_type,
      .cold = inv->cold,
      .init = inv->cold ? env.init.value_or(Duration(0)) : Duration(0),
      .duration = clock_.Now() - inv->start,
      .start = inv->start,
      .max_memory_used_mb = max_memory_mb};
  InvokeResult result{
      .function_error = outcome == InvocationRecord::Outcome::kSuccess
                            ? std::nullopt
                            : std::optional<std::string>("Unhandled"),
      .payload = std::move(payload),
      .log_tail = LogResult(env, *inv, max_memory_mb),
      .request_id = inv->request_id};
  // What is left of the environment: a warm one that answered goes back to
  // the pool; anything else is ended.
  bool reusable = env.fn->config.mode == Mode::kWarm && !env.retiring &&
                  !env.failed && env.generation == env.fn->generation &&
                  outcome != InvocationRecord::Outcome::kTimeout &&
                  env.reader.error().empty() && !env.reader.InFrame();
  if (reusable) {
    ArmIdleTimer(env);
  } else {
    // A cold process has answered (or failed): it is ended now (SIGTERM,
    // then SIGKILL after the grace), as Lambda freezes an environment once
    // it has answered.
    Retire(env);
  }
  if (on_record_) on_record_(record);
  inv->done(std::move(result));
}

std::string FunctionService::LogResult(Env& env, const Invocation& inv,
                                       int64_t max_memory_mb) const {
  const std::string& id = inv.request_id;
  Duration total = clock_.Now() - inv.start;
  std::optional<Duration> init;
  // A frame process that never said "ready" has no init of its own; a
  // runtime that never asked for its event spent all of it in init.
  if (inv.cold) {
    init =
        env.init.value_or(env.api ? clock_.Now() - env.spawned : Duration(0));
  }
  // Only the part of init after the invocation came is not its run (an
  // environment started ahead was ready before).
  Duration run = total;
  if (init) run -= std::max(Duration(0), env.spawned + *init - inv.start);
  if (run < Duration(0)) run = Duration(0);
  int64_t billed = std::chrono::ceil<std::chrono::milliseconds>(run).count();
  std::string report =
      "END RequestId: " + id + "\nREPORT RequestId: " + id +
      "\tDuration: " + Millis(run) +
      " ms\tBilled Duration: " + std::to_string(std::max<int64_t>(billed, 1)) +
      " ms\tMemory Size: " + std::to_string(env.fn->config.memory_mb) +
      " MB\tMax Memory Used: " +
      std::to_string(std::max<int64_t>(max_memory_mb, 1)) + " MB";
  if (init) report += "\tInit Duration: " + Millis(*init) + " ms";
  report += "\t\n";
  std::string start = "START RequestId: " + id + " Version: $LATEST\n";
  // The tail of the whole (START, logs, END, REPORT), as Lambda cuts it.
  std::string logs = env.process->LogsSince(inv.log_mark, kLogResultBytes);
  if (!logs.empty() && logs.back() != '\n') logs += '\n';
  std::string all = start + logs + report;
  if (all.size() > kLogResultBytes) all.erase(0, all.size() - kLogResultBytes);
  return all;
}

Result<std::vector<std::string>> FunctionService::ArgvFor(
    const FunctionConfig& c) const {
  if (c.runtime.empty() || !c.command.empty()) return c.command;
  std::string root = c.code_dir.empty() ? c.working_dir : c.code_dir;
  if (IsProvided(c.runtime)) {
    return std::vector<std::string>{
        (std::filesystem::path(root) / "bootstrap").string()};
  }
  if (c.runtime.starts_with("python")) {
    return std::vector<std::string>{
        "python3", (std::filesystem::path(options_.runtimes_dir) / "python" /
                    "bootstrap.py")
                       .string()};
  }
  std::vector<std::string> argv{"node"};
  if (VirtualClockFor(c)) {
    // Under the virtual clock, V8 must not add work of its own timing: a
    // background recompilation finishing sooner or later changes how often
    // the main thread reads the clock, and the memory reducer keeps a
    // timer of about 8 s pending in an idle runtime (its sleep would hold
    // virtual time). WebAssembly (the HTTP parser behind `fetch`) stays
    // with the baseline compiler: the optimizing tier-up is tens of
    // milliseconds of a background thread's CPU that every round waits
    // for, as the process is not idle while it runs. And it is compiled on
    // the thread that asks (WebAssembly.compile without a background
    // thread): the main thread otherwise looks for the compiled module
    // before or after the background thread posts it, and sends a sleep
    // and its cancel in between in some runs. NODE_OPTIONS does not take
    // these flags.
    argv.push_back("--no-concurrent-recompilation");
    argv.push_back("--no-memory-reducer");
    argv.push_back("--liftoff-only");
    argv.push_back("--no-wasm-async-compilation");
  }
  argv.push_back(
      (std::filesystem::path(options_.runtimes_dir) / "node" / "bootstrap.mjs")
          .string());
  return argv;
}

bool FunctionService::VirtualClockFor(const FunctionConfig& c) const {
  auto own = c.env.find("FANLAB_VIRTUAL_CLOCK");
  return !clock_library_.empty() && (own == c.env.end() || own->second != "0");
}

Status FunctionService::ListenFor(Env& env) {
  if (listeners_ == nullptr) {
    return Status(sqs::kInvalidParameterValue,
                  "No Runtime API listener is configured for Runtime " +
                      env.fn->config.runtime + ".");
  }
  uint64_t id = env.id;
  std::weak_ptr<bool> alive = alive_;
  env.api = std::make_unique<RuntimeApi>(RuntimeApiEvents{
      .on_next =
          [this, alive, id] {
            if (!alive.expired()) OnRuntimeNext(id);
          },
      .on_response =
          [this, alive, id](const std::string& request_id, std::string body) {
            if (alive.expired()) return;
            OnRuntimeAnswer(id, request_id, InvocationRecord::Outcome::kSuccess,
                            "", std::move(body));
          },
      .on_error =
          [this, alive, id](const std::string& request_id, std::string type,
                            std::string payload) {
            if (alive.expired()) return;
            OnRuntimeAnswer(id, request_id, InvocationRecord::Outcome::kError,
                            std::move(type), std::move(payload));
          },
      .on_init_error =
          [this, alive, id](std::string type, std::string payload) {
            if (!alive.expired()) {
              OnRuntimeInitError(id, std::move(type), std::move(payload));
            }
          }});
  env.api->SetClock(&clock_);  // Lambda-Runtime-Fanlab-Now-Ms
  auto listener = listeners_->Listen(
      [this, alive, id](RuntimeApiRequest request, RuntimeApiReply reply) {
        if (alive.expired()) return;
        std::string key = "a" + std::to_string(id) + " " + request.method +
                          " " + request.path + "\n" + request.body;
        auto shared = std::make_shared<RuntimeApiRequest>(std::move(request));
        // The answer (at once, or a `next` answered later) sets the
        // runtime going again.
        RuntimeApiReply woken = [this, alive, id,
                                 reply](RuntimeApiResponse answer) {
          if (!alive.expired()) {
            if (Env* e = FindEnv(id)) NoteProcess(*e, ProcessChange::kWoken);
          }
          reply(std::move(answer));
        };
        Admit(std::move(key), id, [this, alive, id, shared, woken] {
          if (alive.expired()) return;
          Env* e = FindEnv(id);
          if (e == nullptr || !e->api) return;  // reply dropped: closed
          e->api->Handle(std::move(*shared), woken);
        });
      });
  if (!listener.ok()) return listener.status();
  env.listener = std::move(*listener);
  return Status::Ok();
}

void FunctionService::OnRuntimeNext(uint64_t env_id) {
  Env* env = FindEnv(env_id);
  if (env != nullptr && !env->init) env->init = clock_.Now() - env->spawned;
}

void FunctionService::OnRuntimeAnswer(uint64_t env_id,
                                      const std::string& request_id,
                                      InvocationRecord::Outcome outcome,
                                      std::string type, std::string payload) {
  Env* env = FindEnv(env_id);
  if (env == nullptr || !env->current || env->current->timed_out ||
      env->current->request_id != request_id || env->current->held) {
    return;
  }
  auto answer = [this, outcome, type, payload](Env& e) {
    Complete(e, outcome, type, payload);
  };
  if (HoldAnswer(*env, answer)) return;
  Complete(*env, outcome, std::move(type), std::move(payload));
}

void FunctionService::OnRuntimeInitError(uint64_t env_id, std::string type,
                                         std::string payload) {
  Env* env = FindEnv(env_id);
  if (env == nullptr) return;
  // The runtime could not start: the environment is not used again.
  env->failed = true;
  if (env->current && !env->current->timed_out) {
    Complete(*env, InvocationRecord::Outcome::kError, std::move(type),
             std::move(payload));
  } else {
    Retire(*env);
  }
}

std::string FunctionService::AccessKeyFor(uint64_t env) {
  char key[32];
  std::snprintf(key, sizeof key, "FLENV%015llu",
                static_cast<unsigned long long>(env % 1000000000000000ULL));
  return key;
}

std::optional<Caller> FunctionService::WhoCalled(
    std::string_view access_key_id) const {
  auto it = access_keys_.find(access_key_id);
  if (it == access_keys_.end()) return std::nullopt;
  auto env = envs_.find(it->second);
  if (env == envs_.end()) return std::nullopt;
  const Env& e = *env->second;
  return Caller{.function = e.fn->config.name,
                .environment = e.id,
                .request_id = e.current ? e.current->request_id : ""};
}

void FunctionService::RetireIdle(const Function& f) {
  for (auto& [id, env] : envs_) {
    if (env->fn.get() == &f && !env->current) Retire(*env);
  }
}

void FunctionService::Retire(Env& env) {
  if (env.retiring && env.current == nullptr) return;
  env.retiring = true;
  if (env.idle_timer != 0) clock_.Cancel(env.idle_timer);
  env.idle_timer = 0;
  env.process->CloseStdin();
  env.process->Terminate(options_.kill_grace);
  // Answered: whatever it does until it exits is not waited for.
  NoteProcess(env, env.current ? ProcessChange::kWoken : ProcessChange::kGone);
}

// ------------------------------------------------------- Event invokes

namespace {
constexpr size_t kAsyncPayloadLimit = 1024 * 1024;
}  // namespace

Status FunctionService::PutEventInvokeConfig(const std::string& name,
                                             const EventInvokeConfig& c) {
  auto f = Find(name);
  if (!f) return GetFunction(name).status();
  if (c.maximum_retry_attempts < 0 || c.maximum_retry_attempts > 2) {
    return InvalidParameter("MaximumRetryAttempts must be between 0 and 2.");
  }
  if (c.maximum_event_age_seconds < 60 || c.maximum_event_age_seconds > 21600) {
    return InvalidParameter(
        "MaximumEventAgeInSeconds must be between 60 and 21600.");
  }
  f->events = c;
  return Status::Ok();
}

Result<EventInvokeConfig> FunctionService::GetEventInvokeConfig(
    const std::string& name) const {
  auto f = Find(name);
  if (!f) return GetFunction(name).status();
  return f->events;
}

bool FunctionService::HasCapacity(const Function& f) const {
  // Concurrency: a reservation is the function's own pool; the others
  // share what the reservations leave of the global limit.
  if (f.config.reserved_concurrency) {
    return f.in_flight < *f.config.reserved_concurrency;
  }
  int64_t reserved_total = 0, unreserved_running = 0;
  for (const auto& [n, g] : functions_) {
    if (g->config.reserved_concurrency) {
      reserved_total += *g->config.reserved_concurrency;
    } else {
      unreserved_running += g->in_flight;
    }
  }
  return unreserved_running < options_.global_concurrency - reserved_total;
}

void FunctionService::WakeWaiting(const Function& freed) {
  // A reservation's slot serves only its own function; a slot of the
  // unreserved pool serves the oldest waiting event of any function
  // without a reservation. (Every key in a queue is a live event: one
  // that leaves while waiting is taken off it.)
  Function* next = nullptr;
  if (freed.config.reserved_concurrency) {
    auto f = Find(freed.config.name);
    if (f && !f->waiting.empty() && HasCapacity(*f)) next = f.get();
  } else {
    for (auto& [name, f] : functions_) {
      if (f->config.reserved_concurrency || f->waiting.empty()) continue;
      if (next == nullptr || f->waiting.front() < next->waiting.front()) {
        next = f.get();
      }
    }
    if (next != nullptr && !HasCapacity(*next)) next = nullptr;
  }
  if (next == nullptr) return;
  uint64_t key = next->waiting.front();
  next->waiting.pop_front();
  AsyncEvent& ev = *events_.at(key);
  ev.waiting = false;
  ev.woken = true;
  ScheduleAttempt(key, Duration(0));
}

void FunctionService::ScheduleAttempt(uint64_t key, Duration after) {
  auto it = events_.find(key);
  if (it == events_.end()) return;
  if (it->second->timer != 0) clock_.Cancel(it->second->timer);
  std::weak_ptr<bool> alive = alive_;
  it->second->timer =
      clock_.ScheduleAt(clock_.Now() + after, [this, alive, key] {
        if (!alive.expired()) Attempt(key);
      });
}

Result<std::string> FunctionService::InvokeEvent(const std::string& name,
                                                 std::string payload) {
  if (!Find(name)) return GetFunction(name).status();
  if (payload.size() > kAsyncPayloadLimit) {
    return Status(lambda::kRequestTooLargeException,
                  "Request must be smaller than 1048576 bytes for the "
                  "InvokeAsync operation");
  }
  auto ev = std::make_unique<AsyncEvent>();
  ev->request_id = ids_.NextUuidString();
  ev->function = name;
  ev->payload = std::move(payload);
  ev->queued = clock_.Now();
  std::string id = ev->request_id;
  Note({.kind = AsyncNote::Kind::kQueued, .function = name, .request_id = id});
  uint64_t key = next_event_++;
  events_[key] = std::move(ev);
  // Run from the Clock, never inside the caller's request.
  ScheduleAttempt(key, Duration(0));
  return id;
}

void FunctionService::Attempt(uint64_t key) {
  auto it = events_.find(key);
  if (it == events_.end()) return;
  AsyncEvent& ev = *it->second;
  ev.timer = 0;
  auto f = Find(ev.function);
  if (ev.waiting) {
    // Its age deadline came while it waited (or its function is gone):
    // off the queue, so that no freed slot goes to it.
    ev.waiting = false;
    if (f) {
      auto at = std::find(f->waiting.begin(), f->waiting.end(), key);
      if (at != f->waiting.end()) f->waiting.erase(at);
    }
  }
  if (!f) {  // deleted meanwhile: nothing left to run it
    Note({.kind = AsyncNote::Kind::kDropped,
          .function = ev.function,
          .request_id = ev.request_id,
          .attempts = ev.attempts,
          .condition = "FunctionDeleted"});
    events_.erase(it);
    return;
  }
  if (clock_.Now() - ev.queued >
      std::chrono::seconds(f->events.maximum_event_age_seconds)) {
    return Finish(key, "EventAgeExceeded", nullptr);
  }
  if (!HasCapacity(*f)) {
    // Lambda's internal queue holds the event until the function has a
    // free slot: it waits (no attempt, no throttle) for one to free up,
    // or until it is too old.
    // A woken event that lost its slot (a synchronous invocation took it)
    // keeps its place at the front.
    if (ev.woken) {
      f->waiting.push_front(key);
    } else {
      f->waiting.push_back(key);
    }
    ev.waiting = true;
    ev.woken = false;
    ScheduleAttempt(
        key, ev.queued +
                 std::chrono::seconds(f->events.maximum_event_age_seconds) +
                 std::chrono::milliseconds(1) - clock_.Now());
    return;
  }
  std::weak_ptr<bool> alive = alive_;
  InvokeWithId(
      ev.function, ev.payload, ev.request_id,
      [this, alive, key](Result<InvokeResult> r) {
        if (alive.expired()) return;
        auto found = events_.find(key);
        if (found == events_.end()) return;
        AsyncEvent& e = *found->second;
        auto fn = Find(e.function);
        auto retry_after = [&](Duration d) { ScheduleAttempt(key, d); };
        if (!r.ok()) {
          if (r.status().code() == lambda::kTooManyRequestsException) {
            return retry_after(std::chrono::seconds(1));  // not an attempt
          }
          // The function is gone.
          Note({.kind = AsyncNote::Kind::kDropped,
                .function = e.function,
                .request_id = e.request_id,
                .attempts = e.attempts,
                .condition = "FunctionDeleted"});
          events_.erase(found);
          return;
        }
        ++e.attempts;
        if (!r->function_error) return Finish(key, "Success", &*r);
        int64_t max_retries = fn ? fn->events.maximum_retry_attempts : 0;
        if (e.attempts > max_retries) {
          return Finish(key, "RetriesExhausted", &*r);
        }
        Duration wait = e.attempts == 1 ? Duration(std::chrono::minutes(1))
                                        : Duration(std::chrono::minutes(2));
        Note({.kind = AsyncNote::Kind::kRetryScheduled,
              .function = e.function,
              .request_id = e.request_id,
              .attempts = e.attempts,
              .error_type = ErrorTypeOf(r->payload),
              .retry_at = clock_.Now() + wait});
        retry_after(wait);
      });
}

void FunctionService::SendDeadLetter(const Function& f, const AsyncEvent& ev,
                                     const InvokeResult* result) {
  std::string message = "Event age exceeded";
  if (result != nullptr) {
    boost::system::error_code ec;
    json::value payload = json::parse(result->payload, ec);
    const json::value* m = !ec && payload.is_object()
                               ? payload.as_object().if_contains("errorMessage")
                               : nullptr;
    message = m != nullptr && m->is_string() ? std::string(m->as_string())
                                             : result->payload;
  }
  if (message.size() > 1024) message.resize(1024);
  (void)send_dead_letter_({.target_arn = f.config.dead_letter_target_arn,
                           .payload = ev.payload,
                           .request_id = ev.request_id,
                           .error_code = "200",
                           .error_message = std::move(message)});
}

void FunctionService::Finish(uint64_t key, const char* condition,
                             const InvokeResult* result) {
  auto it = events_.find(key);
  if (it == events_.end()) return;
  std::unique_ptr<AsyncEvent> ev = std::move(it->second);
  events_.erase(it);
  auto f = Find(ev->function);
  bool success = std::string_view(condition) == "Success";
  const std::string arn = !f        ? ""
                          : success ? f->events.on_success
                                    : f->events.on_failure;
  if (!success) {
    // Given up on (too old, or out of retries): said whether or not a
    // destination hears of it.
    Note({.kind = AsyncNote::Kind::kDropped,
          .function = ev->function,
          .request_id = ev->request_id,
          .attempts = ev->attempts,
          .condition = condition,
          .error_type = result ? ErrorTypeOf(result->payload) : "",
          .destination = arn});
    if (f && send_dead_letter_ && !f->config.dead_letter_target_arn.empty()) {
      SendDeadLetter(*f, *ev, result);
    }
  }
  if (!f || !send_destination_) return;
  if (arn.empty()) return;
  // Lambda's destination record.
  std::string stamp = FormatIso8601(clock_.Now());
  boost::system::error_code ec;
  json::value request = json::parse(ev->payload, ec);
  if (ec) request = json::string(ev->payload);
  json::object record{{"version", "1.0"},
                      {"timestamp", stamp},
                      {"requestContext",
                       {{"requestId", ev->request_id},
                        {"functionArn", f->arn + ":$LATEST"},
                        {"condition", condition},
                        {"approximateInvokeCount", ev->attempts}}},
                      {"requestPayload", request}};
  if (result != nullptr) {
    json::object response{{"statusCode", 200}, {"executedVersion", "$LATEST"}};
    if (result->function_error) {
      response["functionError"] = *result->function_error;
    }
    record["responseContext"] = std::move(response);
    json::value payload = json::parse(result->payload, ec);
    record["responsePayload"] = ec ? json::value(nullptr) : payload;
  }
  (void)send_destination_(arn, json::serialize(record));
}

}  // namespace fanlab::compute
