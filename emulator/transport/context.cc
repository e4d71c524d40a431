#include "emulator/transport/context.h"

#include <zmq.hpp>

#include "emulator/transport/zap_handler.h"

namespace fanlab::transport {

Context::Context() : context_(std::make_unique<zmq::context_t>()) {}

Context::~Context() {
  if (zap_ != nullptr) {
    // Ends the handler's blocking receive (ETERM), then its thread.
    context_->shutdown();
    zap_.reset();
  }
}

Result<ZapHandler*> Context::zap() {
  std::lock_guard<std::mutex> lock(mu_);
  if (zap_ == nullptr) {
    auto started = ZapHandler::Start(*context_);
    if (!started.ok()) return started.status();
    zap_ = std::move(*started);
  }
  return zap_.get();
}

}  // namespace fanlab::transport
