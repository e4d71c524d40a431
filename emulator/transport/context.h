// The ZeroMQ context, as an opaque handle: code outside transport/ creates
// one and passes it to the engine and clients (inproc:// endpoints only
// connect within one context) without ever including ZeroMQ itself.
//
// Thread safety: a Context may be shared by every thread of the process.
#ifndef FANLAB_EMULATOR_TRANSPORT_CONTEXT_H_
#define FANLAB_EMULATOR_TRANSPORT_CONTEXT_H_

#include <memory>
#include <mutex>

#include "emulator/core/status.h"

namespace zmq {
class context_t;
}

namespace fanlab::transport {

class ZapHandler;

class Context {
 public:
  Context();
  // REQUIRES: every socket of the context is closed (servers and clients
  // destroyed).
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  // For transport/ code and transport-level tests.
  zmq::context_t& zmq() { return *context_; }
  // The context's authentication handler (zap_handler.h), started on the
  // first call; an error if it cannot start.
  Result<ZapHandler*> zap();

 private:
  std::unique_ptr<zmq::context_t> context_;
  std::mutex mu_;
  std::unique_ptr<ZapHandler> zap_;
};

}  // namespace fanlab::transport

#endif  // FANLAB_EMULATOR_TRANSPORT_CONTEXT_H_
