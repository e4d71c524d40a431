// The engine's function socket: the same requests and replies as the
// ZeroMQ front (zmq_server.h), over a Unix stream socket, served on the
// engine's Asio loop. Function processes call through it (the C++ SDK's
// Client; FANLAB_SOCKET): no broker threads on either side, and a
// process that starts needs no ZeroMQ library. docs/protocol.md gives the
// framing:
//
//   message   = count:u32le  frame{count}
//   frame     = length:u32le  bytes{length}
//   request   [request-id][action][json-body]([access-key-id])
//   reply     [request-id][status][json-body]     status: "ok" | "error"
//
// Replies may come in any order (a parked long poll answers late); each
// carries its request's id. A request with the wrong number of frames, or
// an access-key-id over kMaxAccessKeyIdSize bytes, is answered with an
// error and the connection goes on. A message that cannot be framed (a
// frame count of 0 or over kMaxFrames, a message over max_message_size)
// is answered with an error whose request id is empty, and the connection
// is closed once that answer is written: nothing after it can be trusted.
//
// Who may connect: the socket's file is made in a directory only this
// user may enter (PrivateDir), and each connection's peer is checked to
// run as this process's uid (SO_PEERCRED); the peer's pid is handed to
// the handler with each call.
//
// Everything is bounded: at most max_connections at once (one more is
// closed as soon as it is accepted); a connection's unanswered requests
// up to max_pending (reading pauses until answers go out); its unwritten
// replies up to backlog_bytes (a peer that sends and never reads is
// closed and its replies dropped). The engine and the other peers go on.
//
// Thread safety: none; everything runs on the io_context's thread.
#ifndef FANLAB_EMULATOR_TRANSPORT_SOCKET_SERVER_H_
#define FANLAB_EMULATOR_TRANSPORT_SOCKET_SERVER_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "emulator/api/dispatcher.h"
#include "emulator/core/status.h"

namespace fanlab::transport {

struct SocketServerOptions {
  // Connections open at once; one more is closed when accepted.
  size_t max_connections = 4096;
  // The largest message (its frames' bytes); a larger one is refused and
  // its connection closed. As the ZeroMQ front's: the largest legal
  // request is about 94 MiB.
  uint64_t max_message_size = uint64_t{100} << 20;
  // A connection's requests handed on and not yet answered; at this many
  // it is not read until one is.
  size_t max_pending = 1000;
  // A connection's replies not yet taken by its peer; past this the
  // connection is closed.
  size_t backlog_bytes = size_t{16} << 20;
};

class SocketServer {
 public:
  static constexpr size_t kMaxFrames = 4;
  static constexpr size_t kMaxAccessKeyIdSize = 128;

  // One request. The views live until the handler returns.
  struct Call {
    std::string_view action;
    std::string_view body;
    std::string_view access_key_id;  // "" when the request had none
    int peer_pid = 0;                // the connected process
  };
  // Called for each request; `done` may run later, once.
  using Handler = std::function<void(const Call&, api::ApiCallback done)>;

  SocketServer(boost::asio::io_context& io, Handler handler,
               SocketServerOptions options = {});
  ~SocketServer();
  SocketServer(const SocketServer&) = delete;
  SocketServer& operator=(const SocketServer&) = delete;

  // Binds `path` (a file that must not exist yet; at most 107 bytes) and
  // starts accepting. Once per server.
  Status Listen(const std::string& path);
  const std::string& path() const { return path_; }
  size_t connections() const { return connections_.size(); }
  // Connections closed for overflowing their backlog or for a message
  // that could not be framed.
  uint64_t closed_for_cause() const { return closed_for_cause_; }

 private:
  class Connection;
  void Accept();

  boost::asio::io_context& io_;
  Handler handler_;
  SocketServerOptions options_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
  boost::asio::steady_timer retry_;  // a failed accept's next try
  std::string path_;
  // The open connections, owned here while no operation of theirs is in
  // flight (one paused at max_pending).
  std::unordered_map<Connection*, std::shared_ptr<Connection>> connections_;
  // Where a readable connection's bytes are read first (64 KiB).
  std::vector<char> scratch_ = std::vector<char>(64 * 1024);
  uint64_t closed_for_cause_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// What a message's bytes hold, read from the start of `data`: kNeedMore
// until a whole message is there; kMessage with its frames (views into
// `data`) and its size; kMalformed with why. Shared by the server and its
// tests.
struct FramedMessage {
  enum class Kind { kNeedMore, kMessage, kMalformed } kind = Kind::kNeedMore;
  std::vector<std::string_view> frames;
  size_t size = 0;    // bytes of `data` the message took
  std::string error;  // kMalformed: what is wrong
};
FramedMessage ReadFramedMessage(std::string_view data, uint64_t max_size,
                                size_t max_frames);
// Appends one message of `frames` to `out`, framed as above.
void AppendFramedMessage(std::string& out,
                         const std::vector<std::string_view>& frames);

}  // namespace fanlab::transport

#endif  // FANLAB_EMULATOR_TRANSPORT_SOCKET_SERVER_H_
