// The ZeroMQ front of the engine: one ROUTER socket, bound to any mix of
// inproc://, ipc://, tcp://, ws:// and wss:// endpoints, driven from the
// engine's Asio loop without ever blocking it. docs/protocol.md gives the
// framing:
//   DEALER client: [request-id][action][json-body]([access-key-id]) ->
//                  [request-id][status][json-body]
//   REQ client:    [action][json-body]([access-key-id]) ->
//                  [status][json-body]
// status is "ok" or "error". The optional last frame names the caller: a
// function environment's AWS_ACCESS_KEY_ID (at most kMaxAccessKeyIdSize
// bytes; empty is the same as none), handed on as access_key_id(). Requests are
// handed to a Handler, whose answer may come later (a parked long poll); the
// reply then goes to the same peer, or is dropped if the peer went away.
//
// Who may connect (endpoint_policy.h, zap_handler.h): endpoints reach this
// machine only unless allow_remote and an auth token are given; ipc://
// peers must run as this process's uid; with an auth token every ipc://
// and tcp-like peer presents it (PLAIN mechanism, the token as password).
//
// Memory per peer is bounded: a request frame larger than
// max_message_size disconnects the peer (ZeroMQ checks the frame header
// before allocating); replies wait in ZeroMQ's queue up to reply_hwm
// messages, then in the server's backlog up to backlog_bytes; a peer that
// lets its backlog overflow (it sends and never reads) is dropped: its
// queued replies are discarded and its further requests ignored. The
// engine and the other peers go on.
//
// Thread safety: none; everything runs on the io_context's thread.
#ifndef FANLAB_EMULATOR_TRANSPORT_ZMQ_SERVER_H_
#define FANLAB_EMULATOR_TRANSPORT_ZMQ_SERVER_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>
#include <zmq.hpp>

#include "emulator/api/dispatcher.h"
#include "emulator/core/status.h"
#include "emulator/transport/context.h"

namespace fanlab::transport {

struct ZmqServerOptions {
  // What ipc:// and tcp-like peers present as their PLAIN password; ""
  // asks for none (the NULL mechanism).
  std::string auth_token;
  // Non-loopback endpoints may be bound (REQUIRES an auth_token).
  bool allow_remote = false;
  // The largest request frame; a larger one disconnects its peer. The
  // largest legal request, a 70 MiB S3 object or Lambda code package as
  // base64 in JSON, is about 94 MiB.
  int64_t max_message_size = int64_t{100} << 20;
  // Replies ZeroMQ queues per peer (ZMQ_SNDHWM), and the bytes of replies
  // the server holds per peer beyond that before dropping the peer.
  int reply_hwm = 32;
  size_t backlog_bytes = size_t{16} << 20;
  // Requests ZeroMQ queues per peer before the engine reads them.
  int request_hwm = 10000;
};

class ZmqServer {
 public:
  using Handler = std::function<void(
      std::string_view action, std::string_view body, api::ApiCallback done)>;

  // `io` and `context` must outlive the server.
  ZmqServer(boost::asio::io_context& io, Context& context, Handler handler,
            ZmqServerOptions options = {});
  ~ZmqServer();
  ZmqServer(const ZmqServer&) = delete;
  ZmqServer& operator=(const ZmqServer&) = delete;

  // Binds one more endpoint; returns the endpoint actually bound (a
  // "tcp://127.0.0.1:*" comes back with its port). InvalidParameterValue
  // for an endpoint the policy refuses (endpoint_policy.h) or ZeroMQ
  // cannot bind.
  Result<std::string> Bind(const std::string& endpoint);
  const std::vector<std::string>& endpoints() const { return endpoints_; }

  // Peers dropped so far for not reading their replies.
  uint64_t dropped_peers() const { return dropped_peers_; }
  // Bytes of replies held in backlogs now (not counting ZeroMQ's queues).
  size_t backlog_bytes() const { return backlog_total_; }

  // Starts serving on the io_context.
  void Start();

  // While the handler runs: the process id of the request's ipc:// peer
  // (SO_PEERCRED of the connection it came on); 0 when unknown.
  int peer_pid() const { return peer_pid_; }
  // While the handler runs: the access key id the request's last frame
  // carried; "" when it had none.
  std::string_view access_key_id() const { return access_key_id_; }

  // The longest access key id frame; a longer one is refused with a
  // SerializationException (AWS's own ids are 16 to 128 characters).
  static constexpr size_t kMaxAccessKeyIdSize = 128;

 private:
  void Arm();
  void Drain();
  void HandleOne(std::vector<zmq::message_t>& frames);
  void Reply(std::vector<std::string> envelope, bool ok, std::string body);
  // One reply's frames, sent at once or not at all.
  enum class Sent { kSent, kFull, kGone };
  Sent TrySend(const std::vector<std::string>& frames);
  // Sends what the backlogs hold, as far as the peers' queues take it;
  // true if anything was sent.
  bool FlushBacklogs();
  void DropPeer(const std::string& peer);
  Status Secure();

  struct Backlog {
    std::deque<std::vector<std::string>> replies;  // whole frame lists
    size_t bytes = 0;
  };

  boost::asio::io_context& io_;
  Context& context_;
  ZmqServerOptions options_;
  zmq::socket_t socket_;
  boost::asio::posix::stream_descriptor readable_;
  Handler handler_;
  std::vector<std::string> endpoints_;
  // The ZAP domain, set at the first ipc:// or tcp-like Bind.
  std::string zap_domain_;
  std::unordered_map<std::string, Backlog> backlogs_;  // by routing id
  size_t backlog_total_ = 0;
  // Dropped peers' routing ids, the oldest forgotten past kMaxDropped.
  static constexpr size_t kMaxDropped = 4096;
  std::unordered_set<std::string> dropped_;
  std::deque<std::string> dropped_order_;
  uint64_t dropped_peers_ = 0;
  bool recheck_posted_ = false;
  int peer_pid_ = 0;
  std::string_view access_key_id_;  // into the frame being handled
  // Shared with reply callbacks, which may outlive a request's frame.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace fanlab::transport

#endif  // FANLAB_EMULATOR_TRANSPORT_ZMQ_SERVER_H_
