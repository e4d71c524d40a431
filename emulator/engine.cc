#include "emulator/engine.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

#include "emulator/api/dispatcher.h"
#include "emulator/core/common_errors.h"
#include "emulator/core/json_writer.h"
#include "emulator/engine_wiring.h"
#include "emulator/idle_probe.h"
#include "emulator/queue/sqs_errors.h"
#include "emulator/services/bucket_service.h"
#include "emulator/services/route_service.h"
#include "emulator/services/schedule_service.h"
#include "emulator/services/sink_service.h"
#include "emulator/services/table_service.h"
#include "emulator/transport/http_client.h"
#include "emulator/transport/http_front.h"
#include "emulator/transport/http_server.h"
#include "emulator/transport/socket_server.h"
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

// A function process's clock requests (ServeClock).
constexpr std::string_view kSleepPath = "/_fanlab/sleep";
constexpr std::string_view kSleepCancelPath = "/_fanlab/sleep/cancel";

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
      [handler = std::move(handler), traffic = on_traffic_](
          services::HttpRequest request,
          transport::HttpServer::Respond respond) {
        if (traffic) traffic();
        compute::RuntimeApiRequest r{.method = std::move(request.method),
                                     .path = std::move(request.path),
                                     .headers = std::move(request.headers),
                                     .body = std::move(request.body)};
        handler(std::move(r), [respond = std::move(respond),
                               traffic](compute::RuntimeApiResponse answer) {
          if (traffic) traffic();
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
  if (deterministic_) probe_ = std::make_unique<IdleProbe>();
  runtime_listeners_ = std::make_unique<RuntimeApiHttpListeners>(*io_);
  runtime_listeners_->OnTraffic([this] { tcp_rounds_ = 2; });
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
    if (virtual_clock_ != nullptr) {
      auto file = compute::ClockFile::Create(clock_->Now());
      if (file.ok()) {
        clock_file_ = std::move(*file);
        options.functions.clock_file = clock_file_->path();
        virtual_clock_->OnTimeMoved(
            [file = clock_file_.get()](TimePoint t) { file->Set(t); });
      } else {
        std::cerr << "fanlab: warning: " << file.status().message()
                  << " (function processes keep the machine's clock)\n";
      }
    }
    options.functions.deterministic = true;
    options.functions.start_ahead = true;
    options.functions.seed =
        options.seed.value_or(kDefaultSeed) ^ 0x6475726174696f6eULL;
  }
  functions_ = std::make_unique<compute::FunctionService>(
      *clock_, *launcher_, ids_, options.functions);
  ConnectFunctions();
  if (deterministic_) {
    functions_->SetGate(
        [this](std::string key, uint64_t env, std::function<void()> input) {
          Arrived(env);
          Admit(std::move(key), std::move(input));
        });
    functions_->SetProcessCallback(
        [this](uint64_t env, int pid,
               compute::FunctionService::ProcessChange change) {
          if (change == compute::FunctionService::ProcessChange::kGone) {
            procs_.erase(env);
            ForgetProcFiles(pid);
            // Its sleeps have nobody to wake: they must not hold virtual
            // time (the run would stop at their end for nothing).
            std::erase_if(sleeps_, [&](const auto& entry) {
              if (entry.second.env != env) return false;
              clock_->Cancel(entry.second.timer);
              return true;
            });
            return;
          }
          // A new entry is a process just spawned: not contacted yet.
          Proc& p = procs_[env];
          p.pid = pid;
          p.awake = true;
          p.returned = false;
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
  functions_->SetDeadLetterSender(wiring::DeadLetters(*sqs_, *topics_));
  mappings_ = std::make_unique<compute::EventSourceMappings>(*clock_, *sqs_,
                                                             *functions_, ids_);
  wiring::ConnectMappings(*sqs_, observers_, *mappings_);
  mappings_->SetObserver(&service_observers_);
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
  buckets_->SetNotifier(wiring::BucketNotifier(*sqs_, *functions_, *topics_));
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
  zmq_context_ = &context;
  allow_remote_ = options.allow_remote;
}

// Made with the first Bind: an engine nobody reaches over ZeroMQ (a
// scenario run; functions call the function socket) starts no ZeroMQ
// threads.
transport::ZmqServer& Engine::ZmqFront() {
  if (server_ != nullptr) return *server_;
  server_ = std::make_unique<transport::ZmqServer>(
      *io_, *zmq_context_,
      [this](std::string_view action, std::string_view body,
             api::ApiCallback done) {
        // A frame naming its environment's access key is attributed
        // exactly as a signed HTTP request is (DispatchAs).
        ServeCall(api::ApiRequest{.action = std::string(action),
                                  .body = std::string(body),
                                  .access_key_id =
                                      std::string(server_->access_key_id())},
                  server_->peer_pid(), std::move(done));
      },
      transport::ZmqServerOptions{.auth_token = auth_token_,
                                  .allow_remote = allow_remote_});
  return *server_;
}

void Engine::ServeCall(api::ApiRequest request, int peer_pid,
                       api::ApiCallback done) {
  if (!deterministic_) return DispatchAs(std::move(request), std::move(done));
  uint64_t env = EnvOf(peer_pid);
  // A tcp peer has no pid to go by; its key names its environment.
  if (const std::string& who = request.access_key_id;
      env == 0 && who.starts_with("FLENV") && functions_->WhoCalled(who)) {
    env = std::strtoull(who.c_str() + 5, nullptr, 10);
  }
  // The same key whichever front carried the call: a seed orders the
  // calls of a round alike over ZeroMQ and the function socket.
  std::string key = "z" + (env != 0 ? "e" + std::to_string(env) : "") + " " +
                    request.action + "\n" + request.body;
  uint64_t to = Arrived(env);
  auto held = std::make_shared<api::ApiRequest>(std::move(request));
  Admit(std::move(key), [this, held, done = std::move(done), to] {
    DispatchAs(std::move(*held), [this, done, to](api::ApiResponse r) {
      Woke(to);
      done(std::move(r));
    });
  });
}

Result<std::string> Engine::FunctionSocket() {
  if (socket_server_ != nullptr) return socket_server_->path();
  if (socket_dir_.path().empty()) {
    auto dir = socket_dir_.Make("engine");
    if (!dir.ok()) return dir.status();
  }
  auto server = std::make_unique<transport::SocketServer>(
      *io_,
      [this](const transport::SocketServer::Call& call, api::ApiCallback done) {
        ServeCall(
            api::ApiRequest{.action = std::string(call.action),
                            .body = std::string(call.body),
                            .access_key_id = std::string(call.access_key_id)},
            call.peer_pid, std::move(done));
      });
  Status listening = server->Listen(socket_dir_.path() + "/functions");
  if (!listening.ok()) return listening;
  socket_server_ = std::move(server);
  return socket_server_->path();
}

void Engine::ConnectFunctions() {
  functions_->SetRuntimeApiListeners(runtime_listeners_.get());
  // The C++ SDK inside functions calls the function socket (FANLAB_SOCKET),
  // made when the first environment starts.
  functions_->SetSocketProvider([this]() -> std::string {
    auto socket = FunctionSocket();
    if (socket.ok()) return *socket;
    std::cerr << "fanlab: warning: " << socket.status().message()
              << " (C++ SDK functions cannot call fanlab)\n";
    return "";
  });
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
  objects_ = std::make_unique<EngineJournal>(
      JournaledServices{.functions = *functions_,
                        .mappings = *mappings_,
                        .routes = *routes_,
                        .sinks = *sinks_,
                        .tables = *tables_,
                        .topics = *topics_,
                        .schedules = *schedules_,
                        .buckets = *buckets_},
      store_->log());
  objects_->Restore(image, [](const std::string& warning) {
    std::cerr << "fanlab: warning: " << warning << "\n";
  });
  service_observers_.Add(objects_.get());  // table items as they change
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
  // The /proc files kept open for the processes still running (they end
  // with the function service).
  for (const auto& [env, p] : procs_) ForgetProcFiles(p.pid);
  if (store_ != nullptr) {
    // A clean stop loses nothing: what was changed is written, even if
    // its answer is never sent.
    (void)store_->Flush();
    sqs_->SetJournal(nullptr);
    objects_->Detach();
    service_observers_.Remove(objects_.get());
  }
  // The back edges the members' order cannot express (see engine.h).
  if (virtual_clock_ != nullptr) virtual_clock_->OnTimeMoved(nullptr);
  sqs_->SetObserver(nullptr);
  functions_->SetDestinationSender(nullptr);
  functions_->SetDeadLetterSender(nullptr);
}

Result<std::string> Engine::Bind(const std::string& endpoint) {
  // An engine whose data dir could not be opened is not served.
  if (!init_status_.ok()) return init_status_;
  auto bound = ZmqFront().Bind(endpoint);
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
        if (!deterministic_ &&
            request.path.starts_with(services::kFanlabPrefix)) {
          return ServeClock(request, 0, std::move(respond));
        }
        if (!deterministic_ && faults_ == nullptr) {
          return http_front_->Handle(std::move(request), std::move(respond));
        }
        if (!deterministic_) {
          auto shared =
              std::make_shared<services::HttpRequest>(std::move(request));
          if (InjectHttpFault(shared, respond)) return;
          return http_front_->Handle(std::move(*shared), std::move(respond));
        }
        // Signed calls name their environment (its access key); the rest
        // are named by what they say.
        const std::string* auth =
            services::FindHeader(request.headers, "Authorization");
        std::string who;
        uint64_t env = 0;
        if (auth != nullptr) {
          size_t at = auth->find("FLENV");
          if (at != std::string::npos) {
            who = auth->substr(at, 20);
            if (functions_->WhoCalled(who)) {
              env = std::strtoull(who.c_str() + 5, nullptr, 10);
            }
          }
        }
        // An unsigned call (a plain POST to a route or a sink) is put
        // down to the process holding its connection's other end.
        if (env == 0) {
          env = EnvOfConnection(request);
          if (env != 0) who = "e" + std::to_string(env);
        }
        // A sleep's cancellation names the sleep by its client port, which
        // the kernel picks: not part of the order.
        std::string key =
            "h" + who + " " + request.method + " " + request.path + "\n" +
            (request.path == kSleepCancelPath ? "" : request.body);
        tcp_rounds_ = 2;  // this request, then its answer
        uint64_t to = Arrived(env);
        auto shared =
            std::make_shared<services::HttpRequest>(std::move(request));
        Admit(std::move(key), [this, shared, respond, to] {
          auto answer = [this, respond, to](services::HttpResponse a) {
            tcp_rounds_ = 2;  // the answer goes over TCP
            Woke(to);
            respond(std::move(a));
          };
          if (shared->path.starts_with(services::kFanlabPrefix)) {
            return ServeClock(*shared, to, std::move(answer));
          }
          if (faults_ != nullptr && InjectHttpFault(shared, answer)) return;
          http_front_->Handle(std::move(*shared), std::move(answer));
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

namespace {

services::HttpResponse ClockAnswer(int status, std::string body) {
  return services::HttpResponse{
      .status = status,
      .headers = {{"Content-Type",
                   status == 200 ? "text/plain" : "application/json"}},
      .body = std::move(body)};
}

services::HttpResponse ClockError(int status, const std::string& message) {
  return ClockAnswer(status, JsonWriter()
                                 .BeginObject()
                                 .Key("message")
                                 .String(message)
                                 .EndObject()
                                 .str());
}

// A decimal integer, spaces and a line end around it allowed.
std::optional<int64_t> ParseDecimal(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  while (!text.empty() &&
         std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  int64_t value = 0;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

std::string EpochNanosText(TimePoint t) {
  return std::to_string(
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch())
          .count());
}

}  // namespace

void Engine::ServeClock(const services::HttpRequest& request, uint64_t env,
                        std::function<void(services::HttpResponse)> respond) {
  if (request.path != kSleepPath && request.path != kSleepCancelPath) {
    return respond(ClockError(404, "No fanlab clock request at '" +
                                       request.path +
                                       "': POST /_fanlab/sleep or "
                                       "/_fanlab/sleep/cancel."));
  }
  if (request.method != "POST") {
    return respond(ClockError(
        405, request.path + " takes POST, not " + request.method + "."));
  }
  std::optional<int64_t> value = ParseDecimal(request.body);
  if (request.path == kSleepCancelPath) {
    if (!value || *value <= 0 || *value > 65535) {
      return respond(ClockError(
          400,
          "The body of /_fanlab/sleep/cancel must be the client port of "
          "the sleep's connection (1-65535), not '" +
              request.body.substr(0, 64) + "'."));
    }
    auto it = sleeps_.find(static_cast<uint16_t>(*value));
    bool cancelled = it != sleeps_.end() && clock_->Cancel(it->second.timer);
    if (it != sleeps_.end()) sleeps_.erase(it);
    return respond(ClockAnswer(200, cancelled ? "cancelled" : "not sleeping"));
  }
  if (!value) {
    return respond(
        ClockError(400,
                   "The body of /_fanlab/sleep must be the time to wake at, in "
                   "nanoseconds since the Unix epoch, not '" +
                       request.body.substr(0, 64) + "'."));
  }
  // Microseconds are the clock's unit: a wake-up within one is late, never
  // early.
  TimePoint until{Duration((*value + 999) / 1000)};
  const TimePoint now = clock_->Now();
  if (until <= now) return respond(ClockAnswer(200, EpochNanosText(now)));
  if (deterministic_) {
    // A deterministic run sleeps whole milliseconds: a length computed
    // from the process's own clock (a deadline minus now) comes out a few
    // microseconds short, by as many as its thread's clock reads in
    // between, which a library's wait loop (a poll woken twice) may vary
    // from run to run. Rounded up, the wake-up does not.
    constexpr Duration kGrain = std::chrono::milliseconds(1);
    until = now + (until - now + kGrain - Duration(1)) / kGrain * kGrain;
  }
  uint16_t port = request.source_port;
  auto timer = std::make_shared<TimerId>(0);
  *timer = clock_->ScheduleAt(until, [this, port, respond, timer] {
    // The port may be another connection's by now (this one's process
    // gone, its sleep left to fire).
    if (auto it = sleeps_.find(port);
        it != sleeps_.end() && it->second.timer == *timer) {
      sleeps_.erase(it);
    }
    respond(ClockAnswer(200, EpochNanosText(clock_->Now())));
  });
  if (port != 0) sleeps_[port] = Sleep{.timer = *timer, .env = env};
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
            action = request.action](api::ApiResponse r) mutable {
      if (r.ok) objects_->AfterAction(r.service, action);
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
  served_ += round.size();
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
  // Exits last: a process's result (or Runtime API request) held in this
  // round comes before its death, whatever the draw.
  std::stable_partition(groups.begin(), groups.end(), [&](auto g) {
    return round[g.first].key.empty() ||
           round[g.first].key.front() !=
               compute::FunctionService::kExitKeyPrefix;
  });
  for (auto [begin, end] : groups) {
    for (size_t i = begin; i < end; ++i) round[i].input();
  }
}

uint64_t Engine::EnvOf(int pid) {
  if (pid <= 1) return 0;
  if (uint64_t env = functions_->EnvironmentOfProcess(pid); env != 0) {
    return env;
  }
  // A descendant of an environment's process (a shell's child, a
  // runtime's worker): found once by its parents, then remembered.
  if (auto it = env_of_pid_.find(pid); it != env_of_pid_.end()) {
    if (procs_.count(it->second) != 0) return it->second;
    env_of_pid_.erase(it);
  }
  int at = pid;
  for (int depth = 0; at > 1 && depth < 8; ++depth) {
    char buf[512];
    if (!ReadProcFile("/proc/" + std::to_string(at) + "/stat", buf,
                      sizeof buf)) {
      break;
    }
    const char* paren = std::strrchr(buf, ')');
    if (paren == nullptr || paren[1] == 0) break;
    at = std::atoi(paren + 4);  // ") S PPID"
    if (uint64_t env = functions_->EnvironmentOfProcess(at); env != 0) {
      env_of_pid_[pid] = env;
      return env;
    }
  }
  return 0;
}

uint64_t Engine::Arrived(uint64_t env) {
  if (env == 0) {
    // From a process not known (an HTTP call without an environment's
    // key, or one of the engine's own): when one process only may be
    // running, it is that one's. After an answer to a process not known,
    // any may be.
    uint64_t only = 0;
    int awake = 0;
    for (const auto& [id, p] : procs_) {
      if (p.awake) {
        only = id;
        ++awake;
      }
    }
    if (awake != 1 || unknown_woken_) {
      unknown_input_ = true;
      return 0;
    }
    env = only;
  }
  if (auto it = procs_.find(env); it != procs_.end()) {
    it->second.awake = true;  // it was running to send this
    it->second.returned = true;
    it->second.contacted = true;
  }
  return env;
}

void Engine::Woke(uint64_t env) {
  if (env == 0) {
    unknown_woken_ = true;
    return;
  }
  if (auto it = procs_.find(env); it != procs_.end()) {
    it->second.awake = true;
    it->second.returned = false;
  }
}

bool Engine::Settle(bool suspects, std::vector<uint64_t>& idle) {
  // How long a process just spawned may wait, without a break and without
  // having sent anything, before it is taken as waiting on something
  // else than fanlab.
  constexpr auto kFreshGrace = std::chrono::seconds(2);
  idle.clear();
  std::vector<int> pids;
  for (auto& [id, p] : procs_) {
    if (!p.contacted) {
      // Starting up: busy until it sends something (or has waited long).
      if (!suspects) return false;
      size_t busy = 0;
      if (!probe_->Idle({p.pid}, {}, {}, busy)) {
        p.idle_since.reset();
        return false;
      }
      auto now = std::chrono::steady_clock::now();
      if (!p.idle_since) p.idle_since = now;
      if (now - *p.idle_since < kFreshGrace) return false;
      p.contacted = true;  // from now on a suspect like any other
      ++fresh_graces_;
    }
    // After an answer to a process not known, every one is checked.
    bool check = unknown_woken_ || (p.awake && (p.returned || suspects));
    if (!check) {
      if (p.awake) return false;
      continue;
    }
    idle.push_back(id);
    pids.push_back(p.pid);
  }
  // One look at the processes and (after TCP) the kernel threads that
  // carry loopback traffic: at one instant, nothing is running, nothing is
  // on its way.
  size_t busy = 0;
  if (!probe_->Idle(pids, {}, CarryingThreads(), busy)) {
    if (busy < idle.size()) procs_[idle[busy]].awake = true;
    idle.clear();
    return false;
  }
  return true;
}

const std::vector<std::string>& Engine::CarryingThreads() {
  static const std::vector<std::string> kNone;
  if (tcp_rounds_ == 0) return kNone;  // nothing of ours went over TCP
  // The machine's ksoftirqd threads, one per CPU: found once per process,
  // reading every process's comm once (not kept open).
  static const std::vector<std::string> softirq_threads = [] {
    std::vector<std::string> found;
    if (DIR* dir = ::opendir("/proc")) {
      while (dirent* e = ::readdir(dir)) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
        std::string base = std::string("/proc/") + e->d_name;
        int fd = ::open((base + "/comm").c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        char comm[64];
        ssize_t n = ::read(fd, comm, sizeof comm - 1);
        ::close(fd);
        if (n > 0 &&
            std::string_view(comm, size_t(n)).starts_with("ksoftirqd/")) {
          found.push_back(base);
        }
      }
      ::closedir(dir);
    }
    return found;
  }();
  return softirq_threads;
}

namespace {

// The port of a /proc/net/tcp address ("0100007F:1F90"); -1 if none.
int PortOf(std::string_view address) {
  size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return -1;
  return int(
      std::strtol(std::string(address.substr(colon + 1)).c_str(), nullptr, 16));
}

// The inode of the IPv4 TCP socket src:sport -> dst:dport (addresses in
// network order), asked of the kernel's socket diagnostics by its exact
// address: one lookup, where reading /proc/net/tcp walks every socket of
// the machine. 0 when there is none, or no answer.
uint64_t DiagInode(in_addr_t src, int sport, in_addr_t dst, int dport) {
  int fd = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) return 0;
  struct {
    nlmsghdr header;
    inet_diag_req_v2 request;
  } ask{};
  ask.header.nlmsg_len = sizeof ask;
  ask.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  ask.header.nlmsg_flags = NLM_F_REQUEST;
  ask.request.sdiag_family = AF_INET;
  ask.request.sdiag_protocol = IPPROTO_TCP;
  ask.request.idiag_states = ~0U;
  ask.request.id.idiag_sport = htons(static_cast<uint16_t>(sport));
  ask.request.id.idiag_dport = htons(static_cast<uint16_t>(dport));
  ask.request.id.idiag_src[0] = src;
  ask.request.id.idiag_dst[0] = dst;
  ask.request.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
  ask.request.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  uint64_t inode = 0;
  if (::sendto(fd, &ask, sizeof ask, 0, reinterpret_cast<sockaddr*>(&kernel),
               sizeof kernel) == static_cast<ssize_t>(sizeof ask)) {
    alignas(nlmsghdr) char buf[1024];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    // The first message only: the socket, or an error (none such).
    const auto* h = reinterpret_cast<const nlmsghdr*>(buf);
    if (n >= static_cast<ssize_t>(NLMSG_LENGTH(sizeof(inet_diag_msg))) &&
        h->nlmsg_len >= NLMSG_LENGTH(sizeof(inet_diag_msg)) &&
        h->nlmsg_len <= static_cast<size_t>(n) &&
        h->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
      inode = static_cast<const inet_diag_msg*>(NLMSG_DATA(h))->idiag_inode;
    }
  }
  ::close(fd);
  return inode;
}

// The inode of the loopback TCP socket whose local port is `local` and
// remote port `remote`, the server at `host` (an IPv4 address): asked of
// the kernel (from `host` itself or 127.0.0.1, the addresses a loopback
// client sends from), else found in /proc/net/tcp and tcp6; 0 when none
// is found.
uint64_t SocketInode(int local, int remote, const std::string& host) {
  in_addr server{};
  if (::inet_pton(AF_INET, host.c_str(), &server) == 1) {
    for (in_addr_t from : {server.s_addr, htonl(INADDR_LOOPBACK)}) {
      if (uint64_t inode = DiagInode(from, local, server.s_addr, remote)) {
        return inode;
      }
    }
  }
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // the header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, here, there, state, queues, timer, retransmits, uid,
          timeout;
      uint64_t inode = 0;
      if (!(fields >> slot >> here >> there >> state >> queues >> timer >>
            retransmits >> uid >> timeout >> inode)) {
        continue;
      }
      if (PortOf(here) == local && PortOf(there) == remote) return inode;
    }
  }
  return 0;
}

// True when process `pid` has a descriptor open on socket `inode`.
bool HoldsSocket(int pid, const std::string& link) {
  std::string fd_dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* dir = ::opendir(fd_dir.c_str());
  if (dir == nullptr) return false;
  bool found = false;
  char target[64];
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    ssize_t n = ::readlinkat(::dirfd(dir), e->d_name, target, sizeof target);
    if (n > 0 && std::string_view(target, size_t(n)) == link) {
      found = true;
      break;
    }
  }
  ::closedir(dir);
  return found;
}

// `pid` and its descendants (up to `depth` levels), appended to `out`.
void TreeOf(int pid, std::vector<int>& out, int depth = 0) {
  out.push_back(pid);
  if (depth >= 8) return;
  std::string task_dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* dir = ::opendir(task_dir.c_str());
  if (dir == nullptr) return;
  std::vector<int> children;
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    ReadProcChildren(task_dir + "/" + e->d_name, children);
  }
  ::closedir(dir);
  for (int child : children) TreeOf(child, out, depth + 1);
}

}  // namespace

uint64_t Engine::EnvOfConnection(const services::HttpRequest& request) {
  if (request.connection == 0 || request.source_port == 0 ||
      http_server_ == nullptr) {
    return 0;
  }
  if (auto it = env_of_connection_.find(request.connection);
      it != env_of_connection_.end()) {
    if (it->second == 0 || procs_.count(it->second) != 0) return it->second;
    env_of_connection_.erase(it);
    return 0;  // its process is gone
  }
  const std::string& url = http_server_->url();  // http://HOST:PORT
  size_t colon = url.rfind(':');
  size_t host_at = url.find("//") + 2;
  int server_port = std::atoi(url.c_str() + colon + 1);
  uint64_t inode = SocketInode(request.source_port, server_port,
                               url.substr(host_at, colon - host_at));
  uint64_t env = 0;
  if (inode != 0) {
    std::string link = "socket:[" + std::to_string(inode) + "]";
    std::vector<int> tree;
    for (const auto& [id, p] : procs_) {
      tree.clear();
      TreeOf(p.pid, tree);
      for (int pid : tree) {
        if (HoldsSocket(pid, link)) {
          env = id;
          break;
        }
      }
      if (env != 0) break;
    }
  }
  env_of_connection_[request.connection] = env;
  return env;
}

// A deterministic run's loop. What happens between two rounds depends on
// the function processes alone: each runs until it waits for an answer
// from the engine (or for its next event), and whatever it sent is held.
// The engine knows from its own protocol which processes it has set
// going (an answer, an event frame, a Runtime API answer, a signal, a
// spawn) and which have called back since (an API call, a Runtime API
// request, a result frame, their exit); it waits on its sockets for the
// ones still out, without looking at them. A process that has called
// back is checked in /proc (every thread and child idle: waiting, not
// running, not in a sleep of its own, not writing what fanlab has not
// read), which catches a second call still on its way (threads, an async
// SDK): while one is busy the check is repeated, ever less often. After
// TCP the kernel threads carrying loopback traffic are looked at in the
// same snapshot (IdleProbe: every thread idle at one instant), and the
// loop must have drained every ready handler: the
// round is served in a seeded order; with nothing held, virtual time
// moves to the next timer.
// A process that stays out without calling back (blocked on something
// else, or its call came without an environment's key and more than one
// process was out), and every process after an answer to a process not
// known, is a suspect: it is checked once the sockets have been quiet
// for a millisecond, and only three such passes in a row, everything
// idle each time, count (an answer over loopback TCP may reach its
// process a little later).
// docs/scenarios.md says what a function must avoid.
void Engine::DeterministicLoop(std::optional<TimePoint> until) {
  using std::chrono::microseconds;
  constexpr auto kFirstRecheck = microseconds(10);
  constexpr auto kLastRecheck = microseconds(1000);
  constexpr auto kQuiet = std::chrono::milliseconds(1);
  constexpr int kSuspectPasses = 3;
  constexpr auto kLastOutWait = std::chrono::milliseconds(16);
  auto recheck = kFirstRecheck;
  std::chrono::steady_clock::duration out_wait = kQuiet;
  bool quiet = false;  // a wait for a process to call back timed out
  int passes = 0;      // passes in a row that found every suspect idle
  std::vector<uint64_t> idle;
  // A recheck sleeps tens of microseconds: the thread's default timer
  // slack (50 us) would stretch each by that much. Restored on return.
  struct Slack {
    int old = ::prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
    Slack() { ::prctl(PR_SET_TIMERSLACK, 1000, 0, 0, 0); }
    ~Slack() {
      if (old > 0) ::prctl(PR_SET_TIMERSLACK, old, 0, 0, 0);
    }
  } slack;
  auto again = [&] {
    std::this_thread::sleep_for(recheck);
    recheck = std::min(recheck * 2, kLastRecheck);
  };
  while (!stop_) {
    if (io_->stopped()) io_->restart();
    if (io_->poll() > 0) {
      passes = 0;
      continue;
    }
    if (stop_) break;
    if (unknown_woken_ && !quiet) {
      // An answer went to a process not known: over loopback TCP, it may
      // reach that process a little later. The sockets first stay quiet
      // for a millisecond (its call back, if it comes, wakes the loop).
      passes = 0;
      quiet = io_->run_one_for(kQuiet) == 0;
      continue;
    }
    bool out = false;  // set going, and not called back
    for (const auto& [id, p] : procs_) out = out || (p.awake && !p.returned);
    // A wait that timed out made suspects of the processes then out; once
    // every one has called back, there are none left.
    if (!out && !unknown_woken_) quiet = false;
    bool suspects = quiet || unknown_input_ || unknown_woken_;
    if (!Settle(suspects, idle)) {
      passes = 0;
      if (out && !quiet) {
        // Its call wakes the loop at once.
        quiet = io_->run_one_for(kQuiet) == 0;
      } else if (out) {
        // A suspect still busy (computing, or in a sleep of its own): its
        // call still wakes the loop at once; /proc is looked at again
        // ever less often meanwhile.
        io_->run_one_for(out_wait);
        out_wait = std::min<std::chrono::steady_clock::duration>(out_wait * 2,
                                                                 kLastOutWait);
      } else {
        again();
      }
      continue;
    }
    // What arrived meanwhile is taken first.
    if (io_->poll() > 0) {
      passes = 0;
      continue;
    }
    if (suspects && ++passes < kSuspectPasses) {
      again();
      continue;
    }
    for (uint64_t id : idle) procs_[id].awake = false;
    quiet = unknown_input_ = unknown_woken_ = false;
    passes = 0;
    recheck = kFirstRecheck;
    out_wait = kQuiet;
    if (!held_.empty()) {
      if (tcp_rounds_ > 0) --tcp_rounds_;
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
    if (server_ != nullptr) server_->Start();
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
