// Engine: the one thread that owns every emulated service, timer and
// child process. Everything else talks to it over ZeroMQ, HTTP or (the
// C++ SDK in function processes) the function socket.
//
// The loop runs on a Boost.Asio io_context. With the real clock it sleeps
// until the next timer or I/O. With the virtual clock it skips time to the
// next timer whenever it is quiescent (no handler ready, every request
// answered or parked, no function running, no outgoing HTTP call waiting),
// so a 20-second long poll or a 15-minute visibility timeout costs no wall
// time. While a function runs (or a topic's POST waits), virtual time
// follows real time: a deadline means what it says.
//
// Thread safety: construct, Bind and then Run on one thread; Stop() may be
// called from any thread (or a signal-watching handler on the loop).
#ifndef FANLAB_EMULATOR_ENGINE_H_
#define FANLAB_EMULATOR_ENGINE_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/api/dispatcher.h"
#include "emulator/compute/clock_file.h"
#include "emulator/compute/event_source_mappings.h"
#include "emulator/compute/function_service.h"
#include "emulator/compute/launcher.h"
#include "emulator/core/account.h"
#include "emulator/core/clock.h"
#include "emulator/core/status.h"
#include "emulator/engine_journal.h"
#include "emulator/persist/store.h"
#include "emulator/queue/queue_service.h"
#include "emulator/services/service_observer.h"
#include "emulator/services/topic_service.h"
#include "emulator/sim/fault_injector.h"
#include "emulator/transport/context.h"
#include "emulator/transport/private_dir.h"

namespace boost::asio {
class io_context;
}

namespace fanlab {
class IdleProbe;
namespace services {
class BucketService;
class HttpPoster;
class RouteService;
class ScheduleService;
class SinkService;
class TableService;
struct HttpRequest;
struct HttpResponse;
}  // namespace services
namespace transport {
class HttpClient;
class HttpFront;
class HttpServer;
class SocketServer;
class ZmqServer;
}  // namespace transport

// The Runtime API's listeners, over the HTTP server: one loopback port per
// execution environment, a few connections each (a runtime needs one or
// two), bodies up to 16 MB (what passes 6 MB is refused by the Runtime API
// itself, failing the invocation as Lambda does).
class RuntimeApiHttpListeners : public compute::RuntimeApiListeners {
 public:
  static constexpr size_t kMaxConnections = 8;
  // `io` must outlive every listener.
  explicit RuntimeApiHttpListeners(boost::asio::io_context& io) : io_(io) {}
  Result<std::unique_ptr<compute::RuntimeApiListener>> Listen(
      Handler handler) override;
  // Called as a request comes and as its answer goes (listeners made
  // after this call).
  void OnTraffic(std::function<void()> traffic) {
    on_traffic_ = std::move(traffic);
  }

 private:
  boost::asio::io_context& io_;
  std::function<void()> on_traffic_;
};

struct EngineOptions {
  // The account every service builds its ARNs from; its region is the
  // AWS_REGION of every function environment. It overrides the region and
  // account fields of `queue` and `functions`.
  Account account;
  bool virtual_clock = false;
  // Seeds the engine's ids (request ids of invocations, ...). Unset: a
  // fixed seed on the virtual clock (a run replays); on the real clock one
  // from the OS, for the engine's ids and the queue's (`queue.seed`), so
  // that no id or receipt handle repeats an earlier run's.
  std::optional<uint64_t> seed;
  queue::QueueServiceOptions queue;
  compute::FunctionServiceOptions functions;
  // Where state that outlives a run is written; empty keeps everything in
  // memory. Objects go under s3/, .eml files of the email outbox under
  // emails/, function code under lambda-code/, and the rest (queues and
  // their messages, ...: docs/architecture.md, "Durability") into
  // state/'s log and snapshot: each change is written before the answer
  // that acknowledges it is sent.
  std::string data_dir;
  // With a data_dir: kNever (the default) writes each change to the OS
  // before acknowledging it (it survives the process being killed);
  // kAlways syncs it to the disk too (it survives a power loss).
  persist::FsyncPolicy fsync = persist::FsyncPolicy::kNever;
  // With a data_dir: the log is compacted into a snapshot past this size
  // (persist::StoreOptions::compact_bytes).
  uint64_t compact_bytes = uint64_t{64} << 20;
  // The base URL the HTTP front advertises in queue URLs
  // ("http://fanlab:4566"); empty: the Host each client used.
  std::string advertise_url;
  // Host names the HTTP front serves beyond the loopback ones
  // (transport::HttpFrontOptions::hostnames).
  std::vector<std::string> http_hostnames;
  // The secret ZeroMQ peers present (PLAIN password), HTTP clients use as
  // their access key id, and functions receive (FANLAB_AUTH_TOKEN); empty:
  // none asked.
  std::string auth_token;
  // Non-loopback ZeroMQ endpoints may be bound (REQUIRES auth_token).
  bool allow_remote = false;
  // Deterministic runs (needs the virtual clock): what function processes
  // send (API calls over ZeroMQ and the HTTP front, HTTP to routes and
  // sinks, Runtime API requests, result frames, their exits) is held and
  // served in rounds, each once every function process is idle (see
  // Engine::Loop), in an order drawn from `seed`; virtual time moves only
  // between rounds, and an invocation takes its function's virtual
  // duration. Same seed, same history.
  bool deterministic = false;
};

// What the engine runs on, for tests to replace: each null part is the
// real one.
struct EngineParts {
  // The clock. Null: a VirtualClock when EngineOptions::virtual_clock,
  // else a RealClock. A VirtualClock given here is driven as the virtual
  // clock (skipping to timers when quiescent), whatever virtual_clock says.
  std::unique_ptr<Clock> clock;
  // Makes the launcher of function processes on the engine's loop. Null:
  // a PosixLauncher.
  std::function<std::unique_ptr<compute::Launcher>(boost::asio::io_context&)>
      launcher;
};

class Engine {
 public:
  // `context` is the ZeroMQ context inproc:// clients must share.
  // With a data_dir, use Create(): opening what is stored there can fail.
  // An engine constructed here whose data dir cannot be opened keeps its
  // state in memory but refuses every Bind and BindHttp with that error,
  // so it is never served as if the data dir were in use.
  Engine(EngineOptions options, transport::Context& context,
         EngineParts parts = {});
  // An engine, or why there is none (a data dir that cannot be opened,
  // with the path and the reason).
  static Result<std::unique_ptr<Engine>> Create(EngineOptions options,
                                                transport::Context& context,
                                                EngineParts parts = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Binds the ZeroMQ server to one more endpoint (before Run); returns the
  // endpoint bound, with a resolved port for "tcp://127.0.0.1:*".
  Result<std::string> Bind(const std::string& endpoint);
  // Starts the HTTP front (routes, sinks, the AWS JSON protocol) on
  // `address`, "127.0.0.1:PORT" (0: any free port), before Run; returns
  // its base URL, "http://127.0.0.1:PORT". One address per engine.
  Result<std::string> BindHttp(const std::string& address);

  // Serves until Stop(). Returns on the calling thread.
  void Run();
  // Serves until the clock reaches `until` and nothing is ready to run at
  // that instant (or Stop()). On the virtual clock, time skips from timer
  // to timer as in Run() and then to `until`, so a day of minute ticks
  // replays in its handlers' time. May be called again to go on.
  void RunUntil(TimePoint until);
  // Makes Run() return soon; safe from any thread.
  void Stop();
  // The function socket's path (FANLAB_SOCKET; transport/socket_server.h),
  // listening from the first call on, which the first function
  // environment makes; or why it cannot be made (its directory, its bind).
  // REQUIRES: the engine thread, or before Run.
  Result<std::string> FunctionSocket();

  Clock& clock() { return *clock_; }
  const Account& account() const { return account_; }
  boost::asio::io_context& io() { return *io_; }
  // REQUIRES: called on the engine thread (or before Run).
  queue::QueueService& sqs() { return *sqs_; }
  compute::FunctionService& functions() { return *functions_; }
  compute::EventSourceMappings& mappings() { return *mappings_; }
  services::TopicService& topics() { return *topics_; }
  services::BucketService& buckets() { return *buckets_; }
  services::TableService& tables() { return *tables_; }
  services::ScheduleService& schedules() { return *schedules_; }
  services::RouteService& routes() { return *routes_; }
  services::SinkService& sinks() { return *sinks_; }
  // Outgoing HTTP calls on the engine's loop (SNS http subscriptions, the
  // harness's requests to routes). Calls in flight keep a virtual clock
  // following real time.
  services::HttpPoster& http_poster();
  transport::HttpClient& http_client();
  // Runs `request` through the one dispatcher, as a ZeroMQ or HTTP request
  // would (REQUIRES: the engine thread, or before Run). `done` runs once,
  // at once or later from the loop (a long poll, an Invoke), with the
  // whole answer: the body, and on an error its code, HTTP status and
  // service. A request signed with a function environment's access key is
  // that invocation's call (caller()).
  void Dispatch(api::ApiRequest request, api::ApiCallback done);
  // Dispatch({action, body}).
  void Dispatch(std::string_view action, std::string_view body,
                api::ApiCallback done);
  // The invocation whose API call is being dispatched now, while the
  // dispatcher and every observer it notifies run; nullopt for calls from
  // outside any function (and between calls). Event logs attach it to
  // what they record.
  const std::optional<compute::Caller>& caller() const { return caller_; }
  // Faults (emulator/sim/fault_injector.h), consulted at every API call,
  // invocation start and queue delivery; null: none. Must outlive the
  // engine (or be reset to null first).
  void SetFaults(sim::FaultInjector* faults);
  // Deterministic runs: rounds served so far, and the messages they
  // served (API calls, HTTP requests, results, Runtime API requests,
  // exits), most of which set one function process going.
  uint64_t rounds() const { return rounds_; }
  uint64_t served() const { return served_; }
  // Deterministic runs: processes just spawned that were taken as idle
  // only after the grace for one that never sent anything (2 s of real
  // time idle in /proc): each of these cost the run that wait.
  uint64_t fresh_graces() const { return fresh_graces_; }
  // Every queue event goes here first; more observers can be added
  // (before Run).
  queue::ObserverList& queue_observers() { return observers_; }
  // Every event of the other services (topics, buckets, tables, ...).
  services::ServiceObserverList& service_observers() {
    return service_observers_;
  }

 private:
  void Loop(std::optional<TimePoint> until);
  void DeterministicLoop(std::optional<TimePoint> until);
  // Runs `input` now, or (deterministic runs) holds it for the next
  // round under `key`, which names it the same way in every run.
  void Admit(std::string key, std::function<void()> input);
  // Deterministic runs: an input came from environment `env`'s process
  // (0: not known). Returns the environment its answer goes back to:
  // `env`, or when `env` is 0 the one process that may be running, if
  // only one may (0: not known).
  uint64_t Arrived(uint64_t env);
  // Runs every held input: grouped by key (a group keeps its arrival
  // order), the groups in an order drawn from the seed.
  void ServeRound();
  // Deterministic runs: what fanlab sent to environment `env`'s process
  // (an answer, an event) sets it going; 0: to a process not known.
  void Woke(uint64_t env);
  // Checks in /proc the processes that may still be running (see
  // DeterministicLoop), with CarryingThreads(), in
  // one snapshot (IdleProbe): true when every one is idle, their ids in
  // `idle` (marked idle only once the whole look holds). `suspects` checks
  // too the ones set going that have not called back.
  bool Settle(bool suspects, std::vector<uint64_t>& idle);
  // The environment process `pid` is or descends from; 0 when none is.
  uint64_t EnvOf(int pid);
  // The environment whose process (or a descendant) holds the client end
  // of the HTTP front's loopback connection `request` came on; 0 when none
  // does. Found once per connection in /proc (the socket's inode from
  // /proc/net/tcp, then the process holding it), then remembered.
  uint64_t EnvOfConnection(const services::HttpRequest& request);
  // The kernel threads that carry loopback TCP between processes (the
  // ksoftirqd threads' /proc directories) while something of the engine's
  // went over TCP lately; else none. Under load the kernel defers network
  // work to them, and a message then sits between its sender, already
  // waiting for the answer, and its receiver, not yet woken.
  const std::vector<std::string>& CarryingThreads();
  // A function process's clock request (a path under services::kFanlabPrefix,
  // sent by the clock library preloaded into it): a sleep answered once virtual
  // time reaches its end, or the cancellation of one. docs/protocol.md.
  void ServeClock(const services::HttpRequest& request, uint64_t env,
                  std::function<void(services::HttpResponse)> respond);
  // The ZeroMQ front, made on first use.
  transport::ZmqServer& ZmqFront();
  // A call from the ZeroMQ front or the function socket, by process
  // `peer_pid` (0: not known): dispatched now, or (deterministic runs)
  // held for the next round.
  void ServeCall(api::ApiRequest request, int peer_pid, api::ApiCallback done);
  // Dispatches with caller_ set to the invocation `request` comes from.
  void DispatchAs(api::ApiRequest request, api::ApiCallback done);
  // The fault for `request` (engine_faults.cc): true when it took the
  // call over (answered it, or will dispatch it itself).
  bool InjectFault(api::ApiRequest& request, api::ApiCallback& done);
  // The same for an HTTP request to a route or a sink (down, slow).
  bool InjectHttpFault(
      const std::shared_ptr<services::HttpRequest>& request,
      const std::function<void(services::HttpResponse)>& respond);
  // Durable state (a data dir): takes over what the store replayed, then
  // journals every change.
  Status OpenStore(const EngineOptions& options);
  // The answers of one loop turn wait until the changes behind them are
  // written: one write for the turn, then every answer.
  void ScheduleFlush();
  void FlushJournal();
  // Functions reach the HTTP front (AWS_ENDPOINT_URL) and their Runtime
  // API listeners; their start makes a virtual clock follow real time.
  void ConnectFunctions();

  // Members are destroyed in the reverse of this order, and each one is
  // declared after everything it refers to: a service after the services
  // its callbacks call (engine_wiring.h), the transports after the
  // dispatcher and services they hand requests to. So a transport goes
  // first (its parked replies and connections drop), then the dispatcher,
  // then the services from the most dependent down to the queues, and the
  // loop and its clock last. The destructor only unhooks the two back
  // edges this order cannot express (the queues' observer list holding the
  // mappings, the functions' destination sender holding the topics).
  std::unique_ptr<boost::asio::io_context> io_;
  std::unique_ptr<Clock> clock_;
  VirtualClock* virtual_clock_ = nullptr;  // clock_, when it is virtual
  // Deterministic runs: the virtual time function processes read (null
  // when it could not be made: their clocks are then the machine's).
  std::unique_ptr<compute::ClockFile> clock_file_;
  // The function sleeps waiting for their time, by the client port of
  // their connection (ServeClock), with the environment that asked (0: not
  // known); an environment's are dropped when its process is gone.
  struct Sleep {
    TimerId timer = 0;
    uint64_t env = 0;
  };
  std::map<uint16_t, Sleep> sleeps_;
  Account account_;
  // Observers outlive every service that publishes to them.
  services::ServiceObserverList service_observers_;
  queue::ObserverList observers_;
  IdGenerator ids_;
  // HTTP request ids come from their own generator, so requests do not
  // shift the ids the rest of a replay draws; the invocations a route
  // makes take theirs from `ids_`, in arrival order.
  IdGenerator http_ids_;
  std::unique_ptr<compute::Launcher> launcher_;
  std::unique_ptr<RuntimeApiHttpListeners> runtime_listeners_;
  // Outgoing HTTP calls (topic deliveries, the harness's requests); calls
  // in flight at destruction are dropped unanswered.
  std::unique_ptr<transport::HttpClient> http_client_;
  // Durable state (null without a data dir); outlives the services that
  // journal into it.
  std::unique_ptr<persist::Store> store_;
  std::vector<std::pair<api::ApiCallback, api::ApiResponse>> deferred_;
  bool flush_posted_ = false;
  std::unique_ptr<queue::QueueService> sqs_;
  std::unique_ptr<compute::FunctionService> functions_;
  std::unique_ptr<services::TopicService> topics_;
  std::unique_ptr<compute::EventSourceMappings> mappings_;
  std::unique_ptr<services::BucketService> buckets_;
  std::unique_ptr<services::TableService> tables_;
  std::unique_ptr<services::ScheduleService> schedules_;
  std::unique_ptr<services::RouteService> routes_;
  std::unique_ptr<services::SinkService> sinks_;
  std::unique_ptr<api::Dispatcher> dispatcher_;
  // Every service's objects but the queues' under a data dir (null
  // without one); observes the table service from service_observers_
  // until the destructor detaches it.
  std::unique_ptr<EngineJournal> objects_;
  std::optional<compute::Caller> caller_;  // see caller()
  sim::FaultInjector* faults_ = nullptr;
  bool outside_call_ = false;  // Dispatch() is running: not a function's
  std::unique_ptr<transport::HttpFront> http_front_;
  std::string advertise_url_;
  std::vector<std::string> http_hostnames_;
  std::string auth_token_;  // the HTTP front's (EngineOptions::auth_token)
  std::unique_ptr<transport::HttpServer> http_server_;
  // The ZeroMQ front (ZmqFront), made with the first Bind.
  std::unique_ptr<transport::ZmqServer> server_;
  transport::Context* zmq_context_ = nullptr;
  bool allow_remote_ = false;  // EngineOptions::allow_remote, for it
  // The function socket (FunctionSocket) in its own directory.
  transport::PrivateDir socket_dir_;
  std::unique_ptr<transport::SocketServer> socket_server_;
  bool deterministic_ = false;
  struct Held {
    std::string key;
    std::function<void()> input;
  };
  std::vector<Held> held_;
  uint64_t round_rng_ = 0;  // splitmix64 state
  uint64_t rounds_ = 0;
  uint64_t served_ = 0;
  uint64_t fresh_graces_ = 0;
  // Deterministic runs: the live function processes, by environment.
  // `awake`: it may be running (fanlab set it going, or it sent something,
  // and /proc has not shown it idle since); `returned`: it has sent
  // something since it was last set going.
  // `contacted`: it has sent something since it was spawned; until then it
  // is never taken as idle (a process starting up may wait on its own
  // files, its loader, a fork server), unless /proc shows it waiting
  // without a break for kFreshGrace of real time.
  struct Proc {
    int pid = 0;
    bool awake = true;
    bool returned = false;
    bool contacted = false;
    std::optional<std::chrono::steady_clock::time_point> idle_since;
  };
  std::map<uint64_t, Proc> procs_;
  // An answer went to a process not known: every process is checked.
  bool unknown_woken_ = false;
  // An input came from a process not known.
  bool unknown_input_ = false;
  std::map<int, uint64_t> env_of_pid_;  // EnvOf's cache (descendants)
  // EnvOfConnection's cache: HTTP front connection -> environment.
  std::map<uint64_t, uint64_t> env_of_connection_;
  // Rounds for which CarryingThreads are looked at (0: nothing of the engine's
  // went over TCP lately: every function speaks over Unix sockets and frames).
  int tcp_rounds_ = 0;
  // Deterministic runs: looks at threads in /proc.
  std::unique_ptr<IdleProbe> probe_;
  Status init_status_;  // what Create() reports
  bool endpoint_for_functions_ = false;
  bool started_ = false;  // Run has begun (the ZeroMQ front is started)
  std::atomic<bool> stop_{false};
};

}  // namespace fanlab

#endif  // FANLAB_EMULATOR_ENGINE_H_
