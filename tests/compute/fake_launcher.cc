#include "tests/compute/fake_launcher.h"

#include <algorithm>
#include <boost/json.hpp>
#include <utility>

#include "emulator/queue/sqs_errors.h"

namespace fanlab::compute {
namespace json = boost::json;

namespace {

constexpr int kSigKill = 9;
constexpr int kSigTerm = 15;

std::string Tail(std::string_view text, size_t max_bytes) {
  if (text.size() > max_bytes) text.remove_prefix(text.size() - max_bytes);
  return std::string(text);
}

std::string FrameHeader(const char* status, size_t length) {
  return std::string("{\"status\":\"") + status +
         "\",\"length\":" + std::to_string(length) + "}\n";
}

int64_t Int(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_int64() ? v->get_int64() : 0;
}

std::string String(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : "";
}

}  // namespace

// ------------------------------------------------------------ FakeReply

FakeReply FakeReply::Result(std::string payload) {
  return {.kind = Kind::kResult, .payload = std::move(payload)};
}

FakeReply FakeReply::Error(std::string_view type, std::string_view message) {
  json::object o{{"errorType", type}, {"errorMessage", message}};
  return {.kind = Kind::kError, .payload = json::serialize(o)};
}

FakeReply FakeReply::Raw(std::string bytes) {
  return {.kind = Kind::kRaw, .payload = std::move(bytes)};
}

FakeReply FakeReply::Hang() { return {.kind = Kind::kHang}; }

FakeReply FakeReply::Exit(int code) {
  return {.kind = Kind::kExit, .code = code};
}

FakeReply FakeReply::Crash(int signal) {
  return {.kind = Kind::kCrash, .code = signal};
}

FakeReply FakeReply::OutOfMemory() { return {.kind = Kind::kOutOfMemory}; }

FakeReply FakeReply::After(Duration d) const {
  FakeReply r = *this;
  r.after = d;
  return r;
}

FakeReply FakeReply::WithLogs(std::string text) const {
  FakeReply r = *this;
  r.logs = std::move(text);
  return r;
}

// ------------------------------------------------- Runtime API listeners

// Listener address -> its handler, while the listener lives.
struct FakeProcess::Registry {
  std::map<std::string, std::weak_ptr<RuntimeApiListeners::Handler>> handlers;
  int next_port = 20001;
};

namespace {

class FakeListener : public RuntimeApiListener {
 public:
  FakeListener(std::string address,
               std::shared_ptr<RuntimeApiListeners::Handler> handler)
      : address_(std::move(address)), handler_(std::move(handler)) {}
  const std::string& address() const override { return address_; }

 private:
  std::string address_;
  std::shared_ptr<RuntimeApiListeners::Handler> handler_;
};

}  // namespace

class FakeLauncher::Listeners : public RuntimeApiListeners {
 public:
  explicit Listeners(std::shared_ptr<FakeProcess::Registry> registry)
      : registry_(std::move(registry)) {}
  Result<std::unique_ptr<RuntimeApiListener>> Listen(Handler handler) override {
    std::string address = "127.0.0.1:" + std::to_string(registry_->next_port++);
    auto shared = std::make_shared<Handler>(std::move(handler));
    registry_->handlers[address] = shared;
    return std::unique_ptr<RuntimeApiListener>(
        std::make_unique<FakeListener>(address, std::move(shared)));
  }

 private:
  std::shared_ptr<FakeProcess::Registry> registry_;
};

// ---------------------------------------------------------- FakeProcess

FakeProcess::FakeProcess(Clock& clock, int pid, LaunchSpec spec,
                         std::shared_ptr<const FakeProgram> program,
                         ProcessCallbacks callbacks,
                         std::shared_ptr<Registry> registry)
    : clock_(clock),
      pid_(pid),
      spec_(std::move(spec)),
      program_(std::move(program)),
      callbacks_(std::move(callbacks)),
      registry_(std::move(registry)) {
  api_address_ = Env("AWS_LAMBDA_RUNTIME_API");
}

std::optional<std::string> FakeProcess::Env(std::string_view name) const {
  for (const std::string& kv : spec_.env) {
    if (kv.size() > name.size() && kv.compare(0, name.size(), name) == 0 &&
        kv[name.size()] == '=') {
      return kv.substr(name.size() + 1);
    }
  }
  return std::nullopt;
}

void FakeProcess::At(TimePoint at, std::function<void(FakeProcess&)> fn) {
  std::weak_ptr<FakeProcess> weak = weak_from_this();
  clock_.ScheduleAt(at, [weak, fn = std::move(fn)] {
    auto self = weak.lock();
    if (self && !self->exited()) fn(*self);
  });
}

void FakeProcess::Boot() {
  At(clock_.Now() + program_->init, [](FakeProcess& p) { p.Initialised(); });
}

void FakeProcess::Initialised() {
  initialised_ = true;
  logs_ += program_->init_logs;
  if (runtime_api()) return Next();
  if (program_->send_ready) WriteResult("{\"status\":\"ready\"}\n");
  if (!exited()) Pump();
}

void FakeProcess::Write(std::string bytes) {
  if (exited() || stdin_closed_) return;
  stdin_ += bytes;
  At(clock_.Now(), [](FakeProcess& p) { p.Pump(); });
}

void FakeProcess::CloseStdin() {
  if (stdin_closed_) return;
  stdin_closed_ = true;
  At(clock_.Now(), [](FakeProcess& p) { p.Pump(); });
}

void FakeProcess::Pump() {
  if (!initialised_ || busy_ || runtime_api()) return;
  std::string_view rest = std::string_view(stdin_).substr(stdin_read_);
  size_t newline = rest.find('\n');
  if (newline != std::string_view::npos) {
    std::string header(rest.substr(0, newline));
    boost::system::error_code ec;
    json::value parsed = json::parse(header, ec);
    if (ec || !parsed.is_object()) {
      // A real function says so on stderr and exits 2 (docs/functions.md).
      logs_ += "fake process: malformed frame header\n";
      return Exit({.code = 2});
    }
    const json::object& o = parsed.get_object();
    size_t length = static_cast<size_t>(Int(o, "length"));
    if (rest.size() - newline - 1 < length) {
      if (stdin_closed_) {
        logs_ += "fake process: stdin closed inside a frame\n";
        return Exit({.code = 2});
      }
      return;  // the rest of the frame is still to come
    }
    stdin_read_ += newline + 1 + length;
    return Received({.request_id = String(o, "requestId"),
                     .deadline_ms = Int(o, "deadlineMs"),
                     .function_arn = String(o, "invokedFunctionArn"),
                     .payload = std::string(rest.substr(newline + 1, length)),
                     .header = std::move(header)});
  }
  // Nothing more will come: the function ends, as a frame loop does at
  // end of input.
  if (stdin_closed_) Exit({.code = 0});
}

void FakeProcess::Next() {
  auto it = registry_->handlers.find(*api_address_);
  auto handler = it == registry_->handlers.end() ? nullptr : it->second.lock();
  if (!handler) return;  // nobody listens: it waits to be ended
  std::weak_ptr<FakeProcess> weak = weak_from_this();
  RuntimeApiRequest request{.method = "GET",
                            .path = "/2018-06-01/runtime/invocation/next"};
  (*handler)(std::move(request), [weak](RuntimeApiResponse response) {
    auto self = weak.lock();
    if (!self || self->exited()) return;
    // The answer may come from inside the service's Assign(): act later.
    self->At(self->clock_.Now(),
             [response = std::move(response)](FakeProcess& p) {
               if (response.status != 200) {
                 p.logs_ += "fake process: next answered " +
                            std::to_string(response.status) + "\n";
                 return p.Exit({.code = 1});
               }
               FakeEvent event{.payload = response.body};
               for (const auto& [name, value] : response.headers) {
                 if (name == "Lambda-Runtime-Aws-Request-Id")
                   event.request_id = value;
                 if (name == "Lambda-Runtime-Deadline-Ms") {
                   event.deadline_ms = std::stoll(value);
                 }
                 if (name == "Lambda-Runtime-Invoked-Function-Arn") {
                   event.function_arn = value;
                 }
               }
               p.Received(std::move(event));
             });
  });
}

void FakeProcess::Received(FakeEvent event) {
  busy_ = true;
  event.number = static_cast<int>(events_.size()) + 1;
  events_.push_back(std::move(event));
  // A copy: the handler may define its program again.
  FakeProgram::Handler handler = program_->handler;
  FakeReply reply = handler ? handler(events_.back())
                            : FakeReply::Result(events_.back().payload);
  At(clock_.Now() + reply.after,
     [reply = std::move(reply)](FakeProcess& p) { p.Act(reply); });
}

void FakeProcess::Act(const FakeReply& reply) {
  logs_ += reply.logs;
  if (reply.memory_bytes != 0) {
    peak_memory_ = std::max(peak_memory_, reply.memory_bytes);
  }
  using Kind = FakeReply::Kind;
  switch (reply.kind) {
    case Kind::kResult:
    case Kind::kRaw:
      if (runtime_api()) {
        const std::string& id = events_.back().request_id;
        return Post("/2018-06-01/runtime/invocation/" + id + "/response",
                    reply.payload, {});
      }
      WriteResult(reply.kind == Kind::kRaw
                      ? reply.payload
                      : FrameHeader("ok", reply.payload.size()) +
                            reply.payload);
      return Answered();
    case Kind::kError:
      if (runtime_api()) {
        const std::string& id = events_.back().request_id;
        boost::system::error_code ec;
        json::value parsed = json::parse(reply.payload, ec);
        std::string type = !ec && parsed.is_object()
                               ? String(parsed.get_object(), "errorType")
                               : "";
        return Post("/2018-06-01/runtime/invocation/" + id + "/error",
                    reply.payload,
                    {{"Lambda-Runtime-Function-Error-Type", type}});
      }
      WriteResult(FrameHeader("error", reply.payload.size()) + reply.payload);
      return Answered();
    case Kind::kHang:
      return;
    case Kind::kExit:
      return Exit({.code = reply.code});
    case Kind::kCrash:
      return Exit({.signaled = true, .code = reply.code});
    case Kind::kOutOfMemory:
      peak_memory_ = std::max(peak_memory_, spec_.rss_limit_bytes + 1);
      return Exit({.signaled = true, .code = kSigKill, .out_of_memory = true});
  }
}

void FakeProcess::Answered() {
  busy_ = false;
  if (exited()) return;
  if (runtime_api()) {
    At(clock_.Now(), [](FakeProcess& p) { p.Next(); });
  } else {
    Pump();
  }
}

void FakeProcess::Post(
    const std::string& path, std::string body,
    std::vector<std::pair<std::string, std::string>> headers) {
  auto it = registry_->handlers.find(*api_address_);
  auto handler = it == registry_->handlers.end() ? nullptr : it->second.lock();
  if (!handler) return;
  std::weak_ptr<FakeProcess> weak = weak_from_this();
  RuntimeApiRequest request{.method = "POST",
                            .path = path,
                            .headers = std::move(headers),
                            .body = std::move(body)};
  (*handler)(std::move(request), [weak](RuntimeApiResponse response) {
    auto self = weak.lock();
    if (!self || self->exited()) return;
    if (response.status != 202) {
      self->logs_ += "fake process: post answered " +
                     std::to_string(response.status) + "\n";
    }
    self->At(self->clock_.Now(), [](FakeProcess& p) { p.Answered(); });
  });
}

void FakeProcess::WriteResult(std::string_view bytes) {
  if (!detached_ && callbacks_.on_result) callbacks_.on_result(bytes);
}

void FakeProcess::Exit(ExitStatus status) {
  if (exited()) return;
  exit_ = std::move(status);
  exited_at_ = clock_.Now();
  watched_ = false;
  if (!detached_ && callbacks_.on_exit) {
    // The callback may drop the last owner of this process.
    auto keep = shared_from_this();
    callbacks_.on_exit(*exit_);
  }
}

void FakeProcess::Terminate(std::chrono::milliseconds grace) {
  terminations_.push_back(grace);
  if (exited() || kill_scheduled_) return;
  if (grace.count() == 0) {
    kill_scheduled_ = true;
    return At(clock_.Now(), [](FakeProcess& p) {
      p.Exit({.signaled = true, .code = kSigKill});
    });
  }
  if (program_->ignore_term) {
    kill_scheduled_ = true;
    return At(clock_.Now() + grace, [](FakeProcess& p) {
      p.logs_ += "fake process: killed after the grace\n";
      p.Exit({.signaled = true, .code = kSigKill});
    });
  }
  At(clock_.Now(),
     [](FakeProcess& p) { p.Exit({.signaled = true, .code = kSigTerm}); });
}

std::string FakeProcess::LogTail(size_t max_bytes) {
  return Tail(logs_, max_bytes);
}

std::string FakeProcess::LogsSince(uint64_t mark, size_t max_bytes) {
  if (mark >= logs_.size()) return "";
  return Tail(std::string_view(logs_).substr(mark),
              std::min(max_bytes, spec_.log_cap));
}

// --------------------------------------------------------- FakeLauncher

FakeLauncher::FakeLauncher(Clock& clock)
    : clock_(clock),
      registry_(std::make_shared<FakeProcess::Registry>()),
      listeners_(std::make_unique<Listeners>(registry_)) {}

FakeLauncher::~FakeLauncher() = default;

void FakeLauncher::Define(std::string program, FakeProgram behaviour) {
  auto& shared = programs_[std::move(program)];
  if (shared) {
    *shared = std::move(behaviour);
  } else {
    shared = std::make_shared<FakeProgram>(std::move(behaviour));
  }
}

void FakeLauncher::Define(std::string program, FakeProgram::Handler handler) {
  Define(std::move(program), FakeProgram{.handler = std::move(handler)});
}

void FakeLauncher::FailLaunch(std::string program, Status error) {
  failures_.insert_or_assign(std::move(program), std::move(error));
}

Result<std::shared_ptr<FunctionProcess>> FakeLauncher::Launch(
    const LaunchSpec& spec, ProcessCallbacks callbacks) {
  std::string program = spec.argv.empty() ? "" : spec.argv.front();
  if (auto failed = failures_.find(program); failed != failures_.end()) {
    return failed->second;
  }
  auto found = programs_.find(program);
  if (found == programs_.end()) {
    return Status(sqs::kInvalidParameterValue,
                  "cannot start '" + program +
                      "': No such file or directory (no fake program of "
                      "that name is defined)");
  }
  auto process = std::make_shared<FakeProcess>(
      clock_, static_cast<int>(launched_.size()) + 1, spec, found->second,
      std::move(callbacks), registry_);
  process->Boot();
  launched_.push_back(process);
  return std::shared_ptr<FunctionProcess>(process);
}

size_t FakeLauncher::alive() const {
  size_t n = 0;
  for (const auto& p : launched_) n += p->exited() ? 0 : 1;
  return n;
}

RuntimeApiListeners& FakeLauncher::runtime_api() { return *listeners_; }

}  // namespace fanlab::compute
