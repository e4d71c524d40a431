#include "emulator/engine.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

#include "emulator/api/dispatcher.h"
#include "emulator/core/common_errors.h"
#include "emulator/engine_wiring.h"
#include "emulator/queue/sqs_errors.h"
#include "emulator/services/bucket_service.h"
#include "emulator/services/route_service.h"
#include "emulator/services/schedule_service.h"
#include "emulator/services/sink_service.h"
#include "emulator/services/table_service.h"
#include "emulator/transport/http_client.h"
#include "emulator/transport/http_front.h"
#include "emulator/transport/http_server.h"
#include "emulator/transport/zmq_server.h"

namespace fanlab {

namespace {

// The seed of a replay when none is given (EngineOptions::seed).
constexpr uint64_t kDefaultSeed = 0x66616e6c6162ULL;

// The body limit of S3 and Lambda requests over the HTTP front (others:
// 10 MB): room for Lambda's largest CreateFunction (a 50 MB zip is a
// 69,905,067-byte base64 request, which Lambda's own check answers), the
// 8 MB parts `aws s3 cp` sends, or a 70 MiB object in one PutObject;
// larger objects go up in parts.
constexpr size_t kMaxHttpFrontLargeBody = size_t{70} << 20;

class HttpRuntimeApiListener : public compute::RuntimeApiListener {
 public:
  HttpRuntimeApiListener(std::unique_ptr<transport::HttpServer> server,
                         std::string address)
      : server_(std::move(server)), address_(std::move(address)) {}
  const std::string& address() const override { return address_; }

 private:
  std::unique_ptr<transport::HttpServer> server_;
  std::string address_;
};

}  // namespace

Result<std::unique_ptr<compute::RuntimeApiListener>>
RuntimeApiHttpListeners::Listen(Handler handler) {
  transport::HttpServerOptions options;
  options.max_connections = kMaxConnections;
  options.body_limit = 16 * 1024 * 1024;
  // `next` waits as long as the environment is idle; the read timeout
  // only bounds a request that is slow to arrive (and an idle keep-alive).
  auto server = std::make_unique<transport::HttpServer>(
      io_,
      [handler = std::move(handler)](services::HttpRequest request,
                                     transport::HttpServer::Respond respond) {
        compute::RuntimeApiRequest r{.method = std::move(request.method),
                                     .path = std::move(request.path),
                                     .headers = std::move(request.headers),
                                     .body = std::move(request.body)};
        handler(std::move(r), [respond = std::move(respond)](
                                  compute::RuntimeApiResponse answer) {
          services::HttpResponse out;
          out.status = answer.status;
          out.headers = std::move(answer.headers);
          out.body = std::move(answer.body);
          respond(std::move(out));
        });
      },
      options);
  auto bound = server->Bind("127.0.0.1:0");
  if (!bound.ok()) return bound.status();
  std::string address = bound->substr(std::string_view("http://").size());
  return std::unique_ptr<compute::RuntimeApiListener>(
      std::make_unique<HttpRuntimeApiListener>(std::move(server),
                                               std::move(address)));
}

Engine::Engine(EngineOptions options, transport::Context& context,
               EngineParts parts)
    : io_(std::make_unique<boost::asio::io_context>(1)),
      clock_(std::move(parts.clock)),
      account_(options.account),
      ids_(options.seed.value_or(kDefaultSeed)),
      http_ids_(options.seed.value_or(kDefaultSeed) ^ 0x68747470ULL),
      advertise_url_(options.advertise_url),
      http_hostnames_(options.http_hostnames),
      auth_token_(options.auth_token),
      deterministic_(options.deterministic),
      round_rng_(options.seed.value_or(kDefaultSeed) ^ 0x726f756e64ULL) {
  if (clock_ == nullptr) {
    if (options.virtual_clock) {
      clock_ = std::make_unique<VirtualClock>();
    } else {
      clock_ = std::make_unique<RealClock>();
    }
  }
  virtual_clock_ = dynamic_cast<VirtualClock*>(clock_.get());
  if (!options.seed && virtual_clock_ == nullptr) {
    // Not a replay: ids, and receipt handles, unlike any earlier run's.
    uint64_t seed = OsRandomSeed();
    ids_ = IdGenerator(seed);
    http_ids_ = IdGenerator(seed ^ 0x68747470ULL);
    options.queue.seed = OsRandomSeed();
  }
  launcher_ = parts.launcher ? parts.launcher(*io_)
                             : std::make_unique<compute::PosixLauncher>(*io_);
  runtime_listeners_ = std::make_unique<RuntimeApiHttpListeners>(*io_);
  http_client_ = std::make_unique<transport::HttpClient>(*io_);

  // One account for every service.
  options.queue.region = account_.region;
  options.queue.account_id = account_.id;
  options.functions.region = account_.region;
  options.functions.account = account_.id;

  sqs_ = std::make_unique<queue::QueueService>(*clock_, options.queue);
  endpoint_for_functions_ = !options.functions.endpoint.empty();
  options.functions.data_dir = options.data_dir;  // code under lambda-code/
  options.functions.auth_token = options.auth_token;
  if (deterministic_) {
    options.functions.deterministic = true;
    options.functions.seed =
        options.seed.value_or(kDefaultSeed) ^ 0x6475726174696f6eULL;
  }
  functions_ = std::make_unique<compute::FunctionService>(
      *clock_, *launcher_, ids_, options.functions);
  ConnectFunctions();
  if (deterministic_) {
    functions_->SetGate([this](std::string key, std::function<void()> input) {
      Admit(std::move(key), std::move(input));
    });
  }
  topics_ = std::make_unique<services::TopicService>(
      *clock_, ids_,
      services::TopicServiceOptions{.region = account_.region,
                                    .account = account_.id,
                                    .data_dir = options.data_dir},
      wiring::TopicTargets(*sqs_, *functions_, *http_client_));
  topics_->SetObserver(&service_observers_);
  functions_->SetDestinationSender(wiring::Destinations(*sqs_, *topics_));
  mappings_ = std::make_unique<compute::EventSourceMappings>(*clock_, *sqs_,
                                                             *functions_, ids_);
  wiring::ConnectMappings(*sqs_, observers_, *mappings_);
  auto buckets =
      services::BucketService::Open(*clock_, {.data_dir = options.data_dir,
                                              .region = account_.region,
                                              .account_id = account_.id});
  if (buckets.ok()) {
    buckets_ = std::move(*buckets);
  } else {
    init_status_ = buckets.status();
    buckets_ = std::make_unique<services::BucketService>(
        *clock_, services::BucketServiceOptions{.region = account_.region,
                                                .account_id = account_.id});
  }
  buckets_->SetObserver(&service_observers_);
  tables_ = std::make_unique<services::TableService>(
      *clock_, services::TableService::kDefaultSeed, account_);
  tables_->SetObserver(&service_observers_);
  schedules_ = std::make_unique<services::ScheduleService>(
      *clock_, ids_,
      services::ScheduleServiceOptions{.region = account_.region,
                                       .account_id = account_.id},
      wiring::ScheduleDelivery(*sqs_, *functions_));
  schedules_->SetObserver(&service_observers_);
  routes_ = std::make_unique<services::RouteService>(
      *clock_, http_ids_, wiring::RouteInvoker(*functions_),
      services::RouteServiceOptions{.account = account_.id});
  sinks_ = std::make_unique<services::SinkService>(*clock_);
  routes_->SetObserver(&service_observers_);
  sinks_->SetObserver(&service_observers_);
  if (!options.data_dir.empty() && init_status_.ok()) {
    init_status_ = OpenStore(options);
  }
  dispatcher_ = std::make_unique<api::Dispatcher>(api::Services{
      .sqs = *sqs_,
      .functions = functions_.get(),
      .mappings = mappings_.get(),
      .buckets = buckets_.get(),
      .tables = tables_.get(),
      .topics = topics_.get(),
      .schedules = schedules_.get(),
      .routes = routes_.get(),
      .sinks = sinks_.get(),
  });
  server_ = std::make_unique<transport::ZmqServer>(
      *io_, context,
      [this](std::string_view action, std::string_view body,
             api::ApiCallback done) {
        auto request = std::make_shared<api::ApiRequest>(api::ApiRequest{
            .action = std::string(action), .body = std::string(body)});
        std::string key;
        if (deterministic_) {
          key = "z" + SourceOf(server_->peer_pid()) + " " + request->action +
                "\n" + request->body;
        }
        Admit(std::move(key),
              [this, request, done] { DispatchAs(std::move(*request), done); });
      },
      transport::ZmqServerOptions{.auth_token = options.auth_token,
                                  .allow_remote = options.allow_remote});
}

void Engine::ConnectFunctions() {
  functions_->SetRuntimeApiListeners(runtime_listeners_.get());
  // The AWS SDKs inside functions call the HTTP front (AWS_ENDPOINT_URL):
  // without one bound, the first environment binds one on any free port.
  functions_->SetHttpEndpointProvider([this]() -> std::string {
    if (http_server_ != nullptr) return http_server_->url();
    auto bound = BindHttp("127.0.0.1:0");
    return bound.ok() ? *bound : std::string();
  });
  // A function's time is real time: the clock follows it from the moment
  // the invocation starts (the loop turns following off once none runs).
  // Deterministic runs: an invocation takes its virtual duration instead.
  functions_->SetStartCallback([this] {
    if (virtual_clock_ != nullptr && !deterministic_) {
      virtual_clock_->FollowRealTime(true);
    }
  });
}

Status Engine::OpenStore(const EngineOptions& options) {
  auto store = persist::Store::Open(
      options.data_dir,
      {.fsync = options.fsync, .compact_bytes = options.compact_bytes});
  if (!store.ok()) return store.status();
  store_ = std::move(*store);
  const persist::Image& image = store_->image();
  if (Status s = sqs_->Restore(image); !s.ok()) {
    store_.reset();  // not served (init_status_), and journals nothing
    return s;
  }
  objects_ = std::make_unique<ObjectJournal>(*functions_, *mappings_, *routes_,
                                             *sinks_);
  objects_->Restore(image, [](const std::string& warning) {
    std::cerr << "fanlab: warning: " << warning << "\n";
  });
  store_->ReleaseImage();
  sqs_->SetJournal(&store_->log());
  store_->SetOnPending([this] { ScheduleFlush(); });
  return store_->Flush();
}

void Engine::ScheduleFlush() {
  if (flush_posted_) return;
  flush_posted_ = true;
  boost::asio::post(*io_, [this] { FlushJournal(); });
}

void Engine::FlushJournal() {
  flush_posted_ = false;
  Status written = store_->Flush();
  if (!written.ok()) {
    std::cerr << "fanlab: " << written.message() << "\n";
  }
  // Answers may dispatch more (an in-process caller): those wait for the
  // next flush.
  auto answers = std::move(deferred_);
  deferred_.clear();
  for (auto& [done, response] : answers) {
    if (!written.ok()) {
      response = api::ErrorResponse(
          Status(common::kInternalError,
                 "The change could not be written to the data dir: " +
                     written.message()),
          response.service);
    }
    done(std::move(response));
  }
  if (written.ok() && !store_->log().pending() && store_->ShouldCompact()) {
    Status compacted = store_->Compact([this](persist::LogWriter& out) {
      sqs_->Dump(out);
      objects_->Dump(out);
    });
    if (!compacted.ok()) {
      std::cerr << "fanlab: compacting the log: " << compacted.message()
                << "\n";
    }
  }
}

Engine::~Engine() {
  if (store_ != nullptr) {
    // A clean stop loses nothing: what was changed is written, even if
    // its answer is never sent.
    (void)store_->Flush();
    sqs_->SetJournal(nullptr);
  }
  // The back edges the members' order cannot express (see engine.h).
  sqs_->SetObserver(nullptr);
  functions_->SetDestinationSender(nullptr);
}

Result<std::string> Engine::Bind(const std::string& endpoint) {
  // An engine whose data dir could not be opened is not served.
  if (!init_status_.ok()) return init_status_;
  auto bound = server_->Bind(endpoint);
  // Functions are other processes: they need an ipc:// or tcp:// endpoint.
  if (bound.ok() && !endpoint_for_functions_ && !bound->starts_with("inproc")) {
    functions_->SetEndpoint(*bound);
    endpoint_for_functions_ = true;
  }
  return bound;
}

Result<std::unique_ptr<Engine>> Engine::Create(EngineOptions options,
                                               transport::Context& context,
                                               EngineParts parts) {
  auto engine =
      std::make_unique<Engine>(std::move(options), context, std::move(parts));
  if (!engine->init_status_.ok()) return engine->init_status_;
  return engine;
}

Result<std::string> Engine::BindHttp(const std::string& address) {
  if (!init_status_.ok()) return init_status_;
  if (http_server_ != nullptr) {
    return Status(
        sqs::kInvalidParameterValue,
        "The HTTP front is bound already, at " + http_server_->url() + ".");
  }
  http_front_ = std::make_unique<transport::HttpFront>(
      [this](api::ApiRequest request, api::ApiCallback done) {
        DispatchAs(std::move(request), std::move(done));
      },
      routes_.get(), sinks_.get(),
      transport::HttpFrontOptions{
          .advertised_url = advertise_url_,
          .hostnames = http_hostnames_,
          .auth_token = auth_token_,
          .also_accept = [this](std::string_view key) {
            return functions_->WhoCalled(key).has_value();
          }});
  // S3 objects and parts, and Lambda code, may be larger than the 10 MB
  // every other request is held to (docs/protocol.md).
  transport::HttpServerOptions options;
  options.large_body_limit = kMaxHttpFrontLargeBody;
  options.large_body = [](const services::HttpRequest& head) {
    std::optional<transport::SigV4Scope> scope = transport::ParseSigV4(head);
    if (scope && (scope->service == "s3" || scope->service == "lambda")) {
      return true;
    }
    const std::string* host = services::FindHeader(head.headers, "Host");
    return host != nullptr && !transport::VirtualHostBucket(*host).empty();
  };
  auto server = std::make_unique<transport::HttpServer>(
      *io_,
      [this](services::HttpRequest request,
             transport::HttpServer::Respond respond) {
        std::string key;
        if (deterministic_) {
          // Signed calls name their environment (its access key); the rest
          // are named by what they say.
          const std::string* auth =
              services::FindHeader(request.headers, "Authorization");
          std::string who;
          if (auth != nullptr) {
            size_t at = auth->find("FLENV");
            if (at != std::string::npos) who = auth->substr(at, 20);
          }
          key = "h" + who + " " + request.method + " " + request.path + "\n" +
                request.body;
        }
        auto shared =
            std::make_shared<services::HttpRequest>(std::move(request));
        Admit(std::move(key), [this, shared, respond] {
          http_front_->Handle(std::move(*shared), respond);
        });
      },
      std::move(options));
  auto bound = server->Bind(address);
  if (!bound.ok()) return bound;
  http_server_ = std::move(server);
  routes_->SetBaseUrl(*bound);
  sinks_->SetBaseUrl(*bound);
  functions_->SetHttpEndpoint(*bound);
  topics_->SetPublicUrl(*bound);
  return bound;
}

services::HttpPoster& Engine::http_poster() { return *http_client_; }
transport::HttpClient& Engine::http_client() { return *http_client_; }

void Engine::Stop() {
  stop_ = true;
  io_->stop();  // wakes a blocked run_one*; safe from any thread
}

void Engine::Dispatch(api::ApiRequest request, api::ApiCallback done) {
  outside_call_ = true;  // the embedder's own call, never a function's
  DispatchAs(std::move(request), std::move(done));
  outside_call_ = false;
}

void Engine::Dispatch(std::string_view action, std::string_view body,
                      api::ApiCallback done) {
  Dispatch(
      api::ApiRequest{.action = std::string(action), .body = std::string(body)},
      std::move(done));
}

void Engine::DispatchAs(api::ApiRequest request, api::ApiCallback done) {
  // Set for the synchronous part of the call: the changes it makes (and
  // the events they publish) happen now. A long poll answered later is
  // not attributed.
  std::optional<compute::Caller> outer = std::move(caller_);
  caller_ = wiring::CallerOf(*functions_, request, !outside_call_);
  if (store_ != nullptr) {
    // The answer goes out once the changes it acknowledges are written.
    done = [this, done = std::move(done),
            may_change = ObjectJournal::MayChange(request.action)](
               api::ApiResponse r) mutable {
      if (r.ok && may_change &&
          (r.service == api::ApiService::kLambda ||
           r.service == api::ApiService::kHttp)) {
        objects_->Sync(store_->log());
      }
      if (!store_->log().pending() && deferred_.empty()) {
        return done(std::move(r));
      }
      deferred_.emplace_back(std::move(done), std::move(r));
      ScheduleFlush();
    };
  }
  if (faults_ == nullptr || !InjectFault(request, done)) {
    dispatcher_->Dispatch(std::move(request), std::move(done));
  }
  caller_ = std::move(outer);
}

void Engine::Run() { Loop(std::nullopt); }

void Engine::RunUntil(TimePoint until) { Loop(until); }

void Engine::Admit(std::string key, std::function<void()> input) {
  if (!deterministic_) return input();
  held_.push_back({std::move(key), std::move(input)});
}

void Engine::ServeRound() {
  std::vector<Held> round = std::move(held_);
  held_.clear();
  ++rounds_;
  // Groups in key order, each in its arrival order (one source's inputs
  // come in the order it sent them); then a seeded shuffle of the groups.
  std::stable_sort(round.begin(), round.end(),
                   [](const Held& a, const Held& b) { return a.key < b.key; });
  std::vector<std::pair<size_t, size_t>> groups;  // [begin, end)
  for (size_t i = 0; i < round.size();) {
    size_t j = i + 1;
    while (j < round.size() && round[j].key == round[i].key) ++j;
    groups.emplace_back(i, j);
    i = j;
  }
  for (size_t i = groups.size(); i > 1; --i) {
    uint64_t z = (round_rng_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    std::swap(groups[i - 1], groups[z % i]);
  }
  for (auto [begin, end] : groups) {
    for (size_t i = begin; i < end; ++i) round[i].input();
  }
}

namespace {

// The state letter of /proc/<path>/stat ("R", "S", "D", ...), or 0 when
// it is gone.
char ThreadState(const std::string& stat_path) {
  char buf[512];
  int fd = ::open(stat_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  // "pid (comm) S ...": the comm may hold spaces and parentheses.
  const char* close_paren = std::strrchr(buf, ')');
  if (close_paren == nullptr || close_paren[1] == 0) return 0;
  return close_paren[2];
}

// A thread sleeping on its own (nanosleep, clock_nanosleep: a real
// sleep inside the function) counts as busy: it will go on by itself.
bool SleepingOnItsOwn(const std::string& task) {
  std::ifstream in(task + "/syscall");
  long number = -1;
  if (!(in >> number)) return false;
  return number == SYS_nanosleep || number == SYS_clock_nanosleep;
}

bool Busy(char state) { return state == 'R' || state == 'D'; }

// Every thread of `pid` and of its descendants is idle.
bool TreeIdle(int pid, int depth = 0) {
  std::string task_dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* dir = ::opendir(task_dir.c_str());
  if (dir == nullptr) return true;  // gone
  bool idle = true;
  std::vector<int> children;
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    std::string base = task_dir + "/" + e->d_name;
    char state = ThreadState(base + "/stat");
    if (Busy(state) || (state == 'S' && SleepingOnItsOwn(base))) {
      idle = false;
      break;
    }
    if (depth < 8) {
      std::ifstream in(base + "/children");
      int child;
      while (in >> child) children.push_back(child);
    }
  }
  ::closedir(dir);
  if (!idle) return false;
  for (int child : children) {
    if (!TreeIdle(child, depth + 1)) return false;
  }
  return true;
}

}  // namespace

std::string Engine::SourceOf(int pid) const {
  // The process itself, or the environment's process it descends from.
  for (int depth = 0; pid > 1 && depth < 8; ++depth) {
    if (uint64_t env = functions_->EnvironmentOfProcess(pid); env != 0) {
      return "e" + std::to_string(env);
    }
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    size_t paren = line.rfind(')');
    if (paren == std::string::npos) break;
    std::istringstream rest(line.substr(paren + 1));
    char state;
    int parent = 0;
    rest >> state >> parent;
    pid = parent;
  }
  return "";
}

bool Engine::Idle() const {
  for (int tid : watched_threads_) {
    if (Busy(ThreadState("/proc/self/task/" + std::to_string(tid) + "/stat"))) {
      return false;
    }
  }
  for (int pid : functions_->ProcessIds()) {
    if (!TreeIdle(pid)) return false;
  }
  return true;
}

// A deterministic run's loop. What happens between two rounds depends on
// the function processes alone: each runs until it waits for an answer
// from the engine (or for its next event), and whatever it sent is held.
// Once every one of them is idle (no thread running or in disk sleep, and
// none of the ZeroMQ threads carrying messages either) and the loop has
// drained every ready handler, three times in a row, the round is served in a
// seeded order; with nothing held, virtual time moves to the next timer.
// A thread computing (R), in disk sleep (D) or in a real sleep of its own
// (nanosleep) is busy; any other wait (for a reply, its next event, a
// lock) is idle. docs/scenarios.md says what a function must avoid.
void Engine::DeterministicLoop(std::optional<TimePoint> until) {
  // run_one_for waits in whole milliseconds (epoll's unit): the short
  // waits here are the thread's own, between polls.
  constexpr int kIdleChecks = 3;
  constexpr auto kBusyWait = std::chrono::microseconds(20);
  int idle_checks = 0;
  while (!stop_) {
    if (io_->stopped()) io_->restart();
    if (io_->poll() > 0) {
      idle_checks = 0;
      continue;
    }
    if (stop_) break;
    if (!Idle()) {
      idle_checks = 0;
      std::this_thread::sleep_for(kBusyWait);
      continue;
    }
    if (++idle_checks < kIdleChecks) {
      std::this_thread::sleep_for(kBusyWait);
      continue;
    }
    idle_checks = 0;
    if (!held_.empty()) {
      ServeRound();
      continue;
    }
    auto next = virtual_clock_->NextDeadline();
    TimePoint now = clock_->Now();
    if (next && *next <= now) {
      virtual_clock_->AdvanceTo(now);  // what is due now fires first
      continue;
    }
    if (until && now >= *until) return;
    if (until && (!next || *next > *until)) {
      virtual_clock_->AdvanceTo(*until);
    } else if (!virtual_clock_->AdvanceToNextTimer()) {
      io_->run_one();
    }
  }
}

void Engine::Loop(std::optional<TimePoint> until) {
  if (!started_) {
    server_->Start();
    started_ = true;
  }
  if (deterministic_ && virtual_clock_ != nullptr) {
    auto work = boost::asio::make_work_guard(*io_);
    DeterministicLoop(until);
    return;
  }
  auto work = boost::asio::make_work_guard(*io_);
  // True once `until` is reached and nothing is ready to run.
  auto done = [&](size_t ran) {
    return until && ran == 0 && clock_->Now() >= *until;
  };
  while (!stop_) {
    if (io_->stopped()) io_->restart();
    // Everything ready now: requests, replies, rechecks.
    size_t ran = io_->poll();
    if (stop_) break;
    if (virtual_clock_ != nullptr) {
      // Work outside the engine's control: a function running, or an
      // outgoing HTTP call waiting for its answer.
      bool running = functions_->running() > 0 || http_client_->pending() > 0;
      // Virtual time follows real time meanwhile, handlers included (the
      // one that finishes an invocation sees the time it took), and what
      // falls due fires, a function's deadline included.
      virtual_clock_->FollowRealTime(running);
      if (running) virtual_clock_->CatchUp();
      if (ran > 0) continue;
      if (done(ran)) return;
      auto next = virtual_clock_->NextDeadline();
      if (running) {
        // Wait for I/O, at most until the next timer (or `until`) in real
        // time.
        if (until && (!next || *next > *until)) next = *until;
        if (next) {
          io_->run_one_for(std::max(Duration(0), *next - clock_->Now()));
        } else {
          io_->run_one();
        }
      } else if (until && (!next || *next > *until)) {
        // Quiescent, and nothing is due before `until`: time moves there.
        virtual_clock_->AdvanceTo(*until);
      } else if (!virtual_clock_->AdvanceToNextTimer()) {
        // Quiescent: skip to the next timer, or wait for I/O.
        io_->run_one();
      }
      continue;
    }
    clock_->RunDue();
    if (done(ran)) return;
    auto next = clock_->NextDeadline();
    if (until && (!next || *next > *until)) next = *until;
    if (!next) {
      io_->run_one();
    } else if (*next > clock_->Now()) {
      io_->run_one_for(*next - clock_->Now());
    }
  }
}

}  // namespace fanlab
