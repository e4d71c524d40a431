// Engine: the one thread that owns every emulated service, timer and
// child process. Everything else talks to it over ZeroMQ.
//
// The loop runs on a Boost.Asio io_context. With the real clock it sleeps
// until the next timer or I/O. With the virtual clock it skips time to the
// next timer whenever it is quiescent (no handler ready, every request
// answered or parked, no function running), so a 20-second long poll or a
// 15-minute visibility timeout costs no wall time. While a function runs,
// virtual time follows real time: its deadline means what it says.
//
// Thread safety: construct, Bind and then Run on one thread; Stop() may be
// called from any thread (or a signal-watching handler on the loop).
#ifndef FANLAB_EMULATOR_ENGINE_H_
#define FANLAB_EMULATOR_ENGINE_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "emulator/compute/event_source_mappings.h"
#include "emulator/compute/function_service.h"
#include "emulator/core/clock.h"
#include "emulator/core/status.h"
#include "emulator/queue/queue_service.h"
#include "emulator/transport/context.h"

namespace boost::asio {
class io_context;
}

namespace fanlab {
namespace api {
class Dispatcher;
}
namespace services {
class HttpPoster;
class RouteService;
class SinkService;
}  // namespace services
namespace transport {
class HttpClient;
class HttpFront;
class HttpServer;
class ZmqServer;
}  // namespace transport

struct EngineOptions {
  bool virtual_clock = false;
  uint64_t seed = 0x66616e6c6162ULL;  // request ids of invocations
  queue::QueueServiceOptions queue;
  compute::FunctionServiceOptions functions;
};

class Engine {
 public:
  // `context` is the ZeroMQ context inproc:// clients must share.
  Engine(EngineOptions options, transport::Context& context);
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
  // Makes Run() return soon; safe from any thread.
  void Stop();

  Clock& clock() { return *clock_; }
  boost::asio::io_context& io() { return *io_; }
  // REQUIRES: called on the engine thread (or before Run).
  queue::QueueService& sqs() { return *sqs_; }
  compute::FunctionService& functions() { return *functions_; }
  compute::EventSourceMappings& mappings() { return *mappings_; }
  services::RouteService& routes() { return *routes_; }
  services::SinkService& sinks() { return *sinks_; }
  // Outgoing HTTP calls on the engine's loop (SNS http subscriptions).
  services::HttpPoster& http_poster();
  // Every queue event goes here first; more observers can be added
  // (before Run).
  queue::ObserverList& queue_observers() { return observers_; }

 private:
  std::unique_ptr<boost::asio::io_context> io_;
  std::unique_ptr<Clock> clock_;
  VirtualClock* virtual_clock_ = nullptr;
  std::unique_ptr<queue::QueueService> sqs_;
  IdGenerator ids_;
  std::unique_ptr<compute::Launcher> launcher_;
  std::unique_ptr<compute::FunctionService> functions_;
  std::unique_ptr<compute::EventSourceMappings> mappings_;
  queue::ObserverList observers_;
  bool endpoint_for_functions_ = false;
  // The HTTP front. Its own ids: HTTP requests leave the invocation ids of
  // a replay unchanged.
  IdGenerator http_ids_;
  std::unique_ptr<services::RouteService> routes_;
  std::unique_ptr<services::SinkService> sinks_;
  std::unique_ptr<transport::HttpClient> http_client_;
  std::unique_ptr<transport::HttpFront> http_front_;
  std::unique_ptr<transport::HttpServer> http_server_;
  std::unique_ptr<api::Dispatcher> dispatcher_;
  std::unique_ptr<transport::ZmqServer> server_;
  std::atomic<bool> stop_{false};
};

}  // namespace fanlab

#endif  // FANLAB_EMULATOR_ENGINE_H_
