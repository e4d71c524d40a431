// A client of the engine's frames: a ZeroMQ DEALER socket, or for a
// unix://PATH endpoint a connection to the engine's function socket
// (socket_server.h; what a function's environment names in
// FANLAB_ENDPOINT). Synchronous calls, and a pipelined mode that keeps
// many requests in flight. Speaks the framing of docs/protocol.md; the
// bodies are the AWS JSON protocol's.
//
// Thread safety: one Client per thread (ZeroMQ sockets are not shared).
#ifndef FANLAB_EMULATOR_TRANSPORT_CLIENT_H_
#define FANLAB_EMULATOR_TRANSPORT_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "emulator/core/status.h"
#include "emulator/transport/context.h"

namespace fanlab::transport {

struct Reply {
  uint64_t request_id = 0;
  bool ok = false;   // status frame "ok" (else "error": body is the error)
  std::string body;  // JSON
};

class Client {
 public:
  // `context` must outlive the client (and be the engine's for inproc://).
  // `auth_token` is presented to a server that asks for one (PLAIN
  // mechanism, user "fanlab", the token as password); nullopt takes
  // FANLAB_AUTH_TOKEN from the environment, "" presents none (a unix://
  // socket asks for none: only its user can reach it).
  // `access_key_id` goes with every request as its access-key-id frame
  // (docs/protocol.md), naming the function environment that calls;
  // nullopt takes AWS_ACCESS_KEY_ID from the environment (what a function
  // environment sets; one over 128 bytes is not sent), "" sends none.
  Client(Context& context, const std::string& endpoint,
         std::optional<std::string> auth_token = std::nullopt,
         std::optional<std::string> access_key_id = std::nullopt);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends one request and waits for its reply. A transport failure (no
  // reply within `timeout`) is an InternalError status; an error the
  // engine answered is a Reply with ok == false.
  Result<Reply> Call(
      std::string_view action, std::string_view body,
      std::chrono::milliseconds timeout = std::chrono::seconds(60));

  // Pipelined mode: Send returns the request id at once; Receive returns
  // the next reply (any order), or nullopt after `timeout` or as soon as
  // the server refuses the connection (refused()).
  uint64_t Send(std::string_view action, std::string_view body);
  std::optional<Reply> Receive(std::chrono::milliseconds timeout);

  // The server refused a handshake (ZeroMQ closes such a connection
  // without a frame; the socket's events tell). Call then fails at once
  // with an InternalError saying so.
  bool refused() const { return refused_; }

 private:
  struct Socket;
  struct Stream;
  std::unique_ptr<Socket> socket_;  // ZeroMQ endpoints
  std::unique_ptr<Stream> stream_;  // unix:// (the function socket)
  std::string access_key_id_;       // "" sends no access-key-id frame
  uint64_t next_id_ = 1;
  bool refused_ = false;
};

}  // namespace fanlab::transport

#endif  // FANLAB_EMULATOR_TRANSPORT_CLIENT_H_
