#include "emulator/engine.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>

#include "emulator/api/dispatcher.h"
#include "emulator/transport/zmq_server.h"

namespace fanlab {

Engine::Engine(EngineOptions options, transport::Context& context)
    : io_(std::make_unique<boost::asio::io_context>(1)) {
  if (options.virtual_clock) {
    auto v = std::make_unique<VirtualClock>();
    virtual_clock_ = v.get();
    clock_ = std::move(v);
  } else {
    clock_ = std::make_unique<RealClock>();
  }
  sqs_ = std::make_unique<queue::QueueService>(*clock_, options.queue);
  dispatcher_ = std::make_unique<api::Dispatcher>(*sqs_);
  server_ = std::make_unique<transport::ZmqServer>(
      *io_, context.zmq(),
      [this](std::string_view action, std::string_view body,
             api::ApiCallback done) {
        dispatcher_->Dispatch(action, body, std::move(done));
      });
}

Engine::~Engine() {
  // The server's reply callbacks sit in the service's parked receives:
  // drop the server first, then the service (which cancels its timers).
  server_.reset();
  dispatcher_.reset();
  sqs_.reset();
}

Result<std::string> Engine::Bind(const std::string& endpoint) {
  return server_->Bind(endpoint);
}

void Engine::Stop() {
  stop_ = true;
  io_->stop();  // wakes a blocked run_one*; safe from any thread
}

void Engine::Run() {
  server_->Start();
  auto work = boost::asio::make_work_guard(*io_);
  while (!stop_) {
    if (io_->stopped()) io_->restart();
    // Everything ready now: requests, replies, rechecks.
    size_t ran = io_->poll();
    if (stop_) break;
    if (virtual_clock_ != nullptr) {
      // Quiescent: no handler was ready. Skip to the next timer, or wait
      // for I/O when there is none.
      if (ran == 0 && !virtual_clock_->AdvanceToNextTimer()) io_->run_one();
      continue;
    }
    clock_->RunDue();
    auto next = clock_->NextDeadline();
    if (!next) {
      io_->run_one();
    } else if (*next > clock_->Now()) {
      io_->run_one_for(*next - clock_->Now());
    }
  }
}

}  // namespace fanlab
