#include "emulator/transport/zmq_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/post.hpp>

#include "emulator/core/common_errors.h"
#include "emulator/queue/sqs_errors.h"
#include "emulator/transport/endpoint_policy.h"
#include "emulator/transport/zap_handler.h"

namespace fanlab::transport {
namespace {

std::string ErrorBody(std::string_view message) {
  return api::ErrorResponse(
             Status(common::kSerializationException, std::string(message)))
      .body;
}

}  // namespace

ZmqServer::ZmqServer(boost::asio::io_context& io, Context& context,
                     Handler handler, ZmqServerOptions options)
    : io_(io),
      context_(context),
      options_(std::move(options)),
      socket_(context.zmq(), zmq::socket_type::router),
      readable_(io),
      handler_(std::move(handler)) {
  socket_.set(zmq::sockopt::linger, 0);
  // Replies never block the engine: a send to a full queue fails at once
  // (ROUTER_MANDATORY: EAGAIN rather than a silent drop) and the reply
  // waits in the peer's backlog; a send to a vanished peer fails with
  // EHOSTUNREACH and the reply is dropped.
  socket_.set(zmq::sockopt::router_mandatory, 1);
  socket_.set(zmq::sockopt::sndhwm, options_.reply_hwm);
  socket_.set(zmq::sockopt::rcvhwm, options_.request_hwm);
  socket_.set(zmq::sockopt::maxmsgsize, options_.max_message_size);
}

ZmqServer::~ZmqServer() {
  *alive_ = false;
  if (!zap_domain_.empty()) {
    auto zap = context_.zap();
    if (zap.ok()) (*zap)->Remove(zap_domain_);
  }
  // The descriptor belongs to the ZeroMQ socket: release, never close it.
  if (readable_.is_open()) {
    boost::system::error_code ignored;
    readable_.cancel(ignored);
    readable_.release();
  }
}

Result<std::string> ZmqServer::Bind(const std::string& endpoint) {
  Status allowed = CheckBindEndpoint(
      endpoint, {.allow_remote = options_.allow_remote,
                 .has_auth_token = !options_.auth_token.empty()});
  if (!allowed.ok()) return allowed;
  if (*ClassifyEndpoint(endpoint) != EndpointReach::kProcess) {
    Status secured = Secure();
    if (!secured.ok()) return secured;
  }
  try {
    socket_.bind(endpoint);
  } catch (const zmq::error_t& e) {
    return Status(sqs::kInvalidParameterValue,
                  "Cannot bind " + endpoint + ": " + e.what());
  }
  std::string bound = socket_.get(zmq::sockopt::last_endpoint);
  endpoints_.push_back(bound);
  return bound;
}

// Peers that handshake (every transport but inproc://) are checked by the
// context's ZAP handler under this server's domain; set before the first
// such bind, as a listener takes the socket's options when it is made.
Status ZmqServer::Secure() {
  if (!zap_domain_.empty()) return Status();
  auto zap = context_.zap();
  if (!zap.ok()) return zap.status();
  zap_domain_ = (*zap)->Add(options_.auth_token);
  socket_.set(zmq::sockopt::zap_domain, zap_domain_);
  if (!options_.auth_token.empty()) {
    socket_.set(zmq::sockopt::plain_server, 1);
  }
  return Status();
}

void ZmqServer::Start() {
  readable_.assign(socket_.get(zmq::sockopt::fd));
  Drain();  // requests may have queued before the loop started
}

void ZmqServer::Arm() {
  readable_.async_wait(
      boost::asio::posix::stream_descriptor::wait_read,
      [this, alive = alive_](const boost::system::error_code& ec) {
        if (!*alive || ec) return;
        Drain();
      });
}

// ZMQ_FD is edge-triggered (and Asio's epoll reactor is too): read until
// the socket has nothing more (EAGAIN), arm the wait, then look once more
// at ZMQ_EVENTS. A message that arrived before the wait was armed may have
// spent its edge; only the check after arming is sure to see it.
void ZmqServer::Drain() {
  std::vector<zmq::message_t> frames;
  while (true) {
    while (true) {
      frames.clear();
      while (true) {
        zmq::message_t frame;
        if (!socket_.recv(frame, zmq::recv_flags::dontwait)) break;
        bool more = frame.more();
        frames.push_back(std::move(frame));
        if (!more) break;
      }
      if (frames.empty()) break;  // EAGAIN: nothing queued
      HandleOne(frames);
    }
    Arm();
    // Reading ZMQ_EVENTS processes ZeroMQ's pending commands, among them
    // the ones that reopen a full peer queue: flush after it.
    bool readable = socket_.get(zmq::sockopt::events) & ZMQ_POLLIN;
    bool flushed = FlushBacklogs();
    if (!readable && !flushed) return;
    readable_.cancel();  // its handler sees operation_aborted
  }
}

void ZmqServer::HandleOne(std::vector<zmq::message_t>& frames) {
  // frames[0] is the peer's routing id. A REQ peer adds an empty delimiter.
  std::vector<std::string> envelope;
  envelope.push_back(frames[0].to_string());
  if (dropped_.contains(envelope[0])) return;  // it never reads: ignored
  size_t first = 1;
  bool req_peer = frames.size() > 1 && frames[1].size() == 0;
  if (req_peer) {
    envelope.emplace_back();
    first = 2;
  } else if (frames.size() > 1) {
    envelope.push_back(frames[1].to_string());  // request id
    first = 2;
  }
  size_t parts = frames.size() - first;
  if (parts != 2 && parts != 3) {
    Reply(std::move(envelope), false,
          ErrorBody("Expected the frames " +
                    std::string(req_peer ? "[action][json-body]"
                                         : "[request-id][action][json-body]") +
                    " and optionally [access-key-id], got " +
                    std::to_string(frames.size() - 1) + " frames."));
    return;
  }
  std::string_view action(static_cast<const char*>(frames[first].data()),
                          frames[first].size());
  std::string_view body(static_cast<const char*>(frames[first + 1].data()),
                        frames[first + 1].size());
  std::string_view access_key_id;
  if (parts == 3) {
    access_key_id =
        std::string_view(static_cast<const char*>(frames[first + 2].data()),
                         frames[first + 2].size());
    if (access_key_id.size() > kMaxAccessKeyIdSize) {
      Reply(
          std::move(envelope), false,
          ErrorBody("The access-key-id frame is " +
                    std::to_string(access_key_id.size()) + " bytes; at most " +
                    std::to_string(kMaxAccessKeyIdSize) + " are allowed."));
      return;
    }
  }
  peer_pid_ = 0;
  // The descriptor a frame was read from (-1 when ZeroMQ does not say).
  if (int fd = zmq_msg_get(frames.back().handle(), ZMQ_SRCFD); fd >= 0) {
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
      peer_pid_ = cred.pid;
    }
  }
  access_key_id_ = access_key_id;
  handler_(action, body,
           [this, alive = alive_,
            envelope = std::move(envelope)](api::ApiResponse r) mutable {
             if (!*alive) return;
             Reply(std::move(envelope), r.ok, std::move(r.body));
           });
  access_key_id_ = {};
}

void ZmqServer::Reply(std::vector<std::string> envelope, bool ok,
                      std::string body) {
  const std::string peer = envelope[0];
  if (dropped_.contains(peer)) return;
  std::vector<std::string> frames = std::move(envelope);
  frames.emplace_back(ok ? "ok" : "error");
  frames.push_back(std::move(body));
  // In order: behind the replies already waiting, else straight on. A
  // peer that went away (kGone) loses its reply.
  if (backlogs_.contains(peer) || TrySend(frames) == Sent::kFull) {
    Backlog& backlog = backlogs_[peer];
    size_t bytes = 0;
    for (const auto& f : frames) bytes += f.size();
    if (backlog.bytes + bytes > options_.backlog_bytes) {
      DropPeer(peer);
    } else {
      backlog.bytes += bytes;
      backlog_total_ += bytes;
      backlog.replies.push_back(std::move(frames));
    }
  }
  // A send can consume the edge that announced new input: look again once
  // the current handler is done.
  if (recheck_posted_) return;
  recheck_posted_ = true;
  boost::asio::post(io_, [this, alive = alive_] {
    if (!*alive) return;
    recheck_posted_ = false;
    if ((socket_.get(zmq::sockopt::events) & ZMQ_POLLIN) ||
        !backlogs_.empty()) {
      readable_.cancel();  // its handler sees operation_aborted
      Drain();
    }
  });
}

ZmqServer::Sent ZmqServer::TrySend(const std::vector<std::string>& frames) {
  try {
    // The routing frame decides: a full queue refuses it (nothing sent),
    // and once it is taken the rest of the message always is.
    for (size_t i = 0; i < frames.size(); ++i) {
      auto flags = zmq::send_flags::dontwait;
      if (i + 1 < frames.size()) flags = flags | zmq::send_flags::sndmore;
      if (!socket_.send(zmq::buffer(frames[i]), flags)) return Sent::kFull;
    }
  } catch (const zmq::error_t&) {
    return Sent::kGone;  // EHOSTUNREACH: no such peer any more
  }
  return Sent::kSent;
}

bool ZmqServer::FlushBacklogs() {
  bool any = false;
  for (auto it = backlogs_.begin(); it != backlogs_.end();) {
    Backlog& b = it->second;
    while (!b.replies.empty()) {
      Sent sent = TrySend(b.replies.front());
      if (sent == Sent::kFull) break;
      size_t bytes = 0;
      for (const auto& f : b.replies.front()) bytes += f.size();
      b.bytes -= bytes;
      backlog_total_ -= bytes;
      b.replies.pop_front();
      any = any || sent == Sent::kSent;
    }
    it = b.replies.empty() ? backlogs_.erase(it) : std::next(it);
  }
  return any;
}

void ZmqServer::DropPeer(const std::string& peer) {
  auto backlog = backlogs_.find(peer);
  if (backlog != backlogs_.end()) {
    backlog_total_ -= backlog->second.bytes;
    backlogs_.erase(backlog);
  }
  ++dropped_peers_;
  dropped_.insert(peer);
  dropped_order_.push_back(peer);
  if (dropped_order_.size() > kMaxDropped) {
    dropped_.erase(dropped_order_.front());
    dropped_order_.pop_front();
  }
}

}  // namespace fanlab::transport
