#include "emulator/engine.h"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>

#include "emulator/api/dispatcher.h"
#include "emulator/transport/zmq_server.h"

namespace fanlab {

Engine::Engine(EngineOptions options, transport::Context& context)
    : io_(std::make_unique<boost::asio::io_context>(1)), ids_(options.seed) {
  if (options.virtual_clock) {
    auto v = std::make_unique<VirtualClock>();
    virtual_clock_ = v.get();
    clock_ = std::move(v);
  } else {
    clock_ = std::make_unique<RealClock>();
  }
  sqs_ = std::make_unique<queue::QueueService>(*clock_, options.queue);
  launcher_ = std::make_unique<compute::PosixLauncher>(*io_);
  endpoint_for_functions_ = !options.functions.endpoint.empty();
  functions_ = std::make_unique<compute::FunctionService>(
      *clock_, *launcher_, ids_, options.functions);
  topics_ = std::make_unique<services::TopicService>(
      *clock_, ids_,
      services::TopicServiceOptions{.region = options.functions.region,
                                    .account = options.functions.account,
                                    .data_dir = options.data_dir},
      TopicTargets());
  topics_->SetObserver(&service_observers_);
  // Event invocation destinations: queues and topics, by ARN.
  functions_->SetDestinationSender(
      [this](const std::string& arn, const std::string& body) -> Status {
        if (arn.starts_with("arn:aws:sns:")) {
          return topics_->Publish({.topic_arn = arn, .message = body}).status();
        }
        return SendToQueue(arn, body, {});
      });
  mappings_ = std::make_unique<compute::EventSourceMappings>(*clock_, *sqs_,
                                                             *functions_, ids_);
  observers_.Add(mappings_.get());
  sqs_->SetObserver(&observers_);
  dispatcher_ = std::make_unique<api::Dispatcher>(
      api::Services{.sqs = *sqs_,
                    .functions = functions_.get(),
                    .mappings = mappings_.get(),
                    .topics = topics_.get()});
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
  sqs_->SetObserver(nullptr);
  mappings_.reset();
  topics_.reset();
  functions_.reset();
  sqs_.reset();
}

Result<std::string> Engine::Bind(const std::string& endpoint) {
  auto bound = server_->Bind(endpoint);
  // Functions are other processes: they need an ipc:// or tcp:// endpoint.
  if (bound.ok() && !endpoint_for_functions_ && !bound->starts_with("inproc")) {
    functions_->SetEndpoint(*bound);
    endpoint_for_functions_ = true;
  }
  return bound;
}

Status Engine::SendToQueue(const std::string& queue_arn,
                           const std::string& body,
                           const services::SnsMessageAttributes& attributes) {
  auto queue = sqs_->DescribeByArn(queue_arn);
  if (!queue.ok()) return queue.status();
  queue::SendMessageRequest send{.queue_url = queue->url, .message_body = body};
  for (const auto& [name, a] : attributes) {
    queue::MessageAttributeValue v{.data_type = a.data_type};
    if (a.data_type.starts_with("Binary")) {
      v.binary_value = a.binary_value;
    } else {
      v.string_value = a.string_value;
    }
    send.message_attributes.emplace(name, std::move(v));
  }
  return sqs_->SendMessage(send).status();
}

services::TopicTargets Engine::TopicTargets() {
  services::TopicTargets t;
  t.send_to_queue = [this](const std::string& arn, const std::string& body,
                           const services::SnsMessageAttributes& attributes) {
    return SendToQueue(arn, body, attributes);
  };
  t.invoke_function = [this](const std::string& arn,
                             const std::string& event) -> Status {
    // "arn:aws:lambda:<region>:<account>:function:<name>"
    std::string_view marker = ":function:";
    size_t at = arn.find(marker);
    if (at == std::string::npos) {
      return Status(ErrorCode::kInvalidParameterValueException,
                    "Not a function ARN: " + arn);
    }
    return functions_->InvokeEvent(arn.substr(at + marker.size()), event)
        .status();
  };
  return t;
}

void Engine::Stop() {
  stop_ = true;
  io_->stop();  // wakes a blocked run_one*; safe from any thread
}

void Engine::Run() {
  server_->Start();
  auto work = boost::asio::make_work_guard(*io_);
  auto last = std::chrono::steady_clock::now();
  while (!stop_) {
    if (io_->stopped()) io_->restart();
    // Everything ready now: requests, replies, rechecks.
    size_t ran = io_->poll();
    if (stop_) break;
    if (virtual_clock_ != nullptr) {
      auto now = std::chrono::steady_clock::now();
      bool running = functions_->running() > 0;
      if (running) {
        // A function is running: virtual time follows real time (and
        // fires what falls due, its deadline included).
        virtual_clock_->Advance(
            std::chrono::duration_cast<Duration>(now - last));
      }
      last = now;
      if (ran > 0) continue;
      if (running) {
        // Wait for I/O, at most until the next timer in real time.
        auto next = virtual_clock_->NextDeadline();
        if (next) {
          io_->run_one_for(std::max(Duration(0), *next - clock_->Now()));
        } else {
          io_->run_one();
        }
      } else if (!virtual_clock_->AdvanceToNextTimer()) {
        // Quiescent: skip to the next timer, or wait for I/O.
        io_->run_one();
      }
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
