// The ZeroMQ authentication handler (ZAP, ZeroMQ RFC 27) of one context:
// every ipc:// and tcp:// connection to a server socket of the context is
// held at its handshake until this handler says yes. It says yes when:
//   - the peer is on a Unix socket (ipc://, abstract or not): its uid,
//     which the kernel gives (SO_PEERCRED, reported by libzmq in the ZAP
//     address as "localhost:UID:GID:PID"), is this process's uid;
//   - the domain has an auth token: the peer used the PLAIN mechanism
//     with that token as its password (any user name; clients send
//     "fanlab"). Without a token the domain takes the NULL mechanism.
// Both hold when both apply. inproc:// peers never handshake: they are
// this process.
//
// Each server socket gets its own domain (ZMQ_ZAP_DOMAIN) with its token.
// The handler runs on a thread of its own, started by the first Add(), so
// handshakes are answered even while the engine's loop is busy.
//
// Thread safety: Add and Remove may be called from any thread.
#ifndef FANLAB_EMULATOR_TRANSPORT_ZAP_HANDLER_H_
#define FANLAB_EMULATOR_TRANSPORT_ZAP_HANDLER_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <zmq.hpp>

#include "emulator/core/status.h"

namespace fanlab::transport {

class ZapHandler {
 public:
  // Binds the context's ZAP endpoint and starts the thread; an error when
  // the endpoint is taken. `context` must outlive the handler, and be shut
  // down (zmq_ctx_shutdown) before the handler is destroyed: that is what
  // ends its thread.
  static Result<std::unique_ptr<ZapHandler>> Start(zmq::context_t& context);
  ~ZapHandler();
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;

  // A new domain whose peers must present `auth_token` ("" = none). Set it
  // as the socket's ZMQ_ZAP_DOMAIN before binding.
  std::string Add(std::string auth_token);
  void Remove(const std::string& domain);

  // Handshakes refused so far (another uid, a wrong or missing token).
  uint64_t refused() const { return refused_.load(); }

  // The decision alone, for tests: `address` and `credentials` as ZAP
  // gives them (PLAIN: user name, password).
  static bool Allows(std::string_view token, std::string_view mechanism,
                     std::string_view address, std::string_view password);

 private:
  ZapHandler() = default;
  void Serve(zmq::socket_t socket);

  std::mutex mu_;
  std::map<std::string, std::string> tokens_;  // domain -> token
  uint64_t next_domain_ = 0;
  std::atomic<uint64_t> refused_{0};
  std::thread thread_;
};

}  // namespace fanlab::transport

#endif  // FANLAB_EMULATOR_TRANSPORT_ZAP_HANDLER_H_
