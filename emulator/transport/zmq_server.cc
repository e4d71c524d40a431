#include "emulator/transport/zmq_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/post.hpp>

namespace fanlab::transport {
namespace {

bool IsLoopbackTcp(std::string_view endpoint) {
  if (!endpoint.starts_with("tcp://")) return true;
  std::string_view host = endpoint.substr(6);
  host = host.substr(0, host.rfind(':'));
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]" ||
         host.starts_with("127.");
}

std::string ErrorBody(std::string_view message) {
  return api::ErrorResponse(
             Status(ErrorCode::kSerializationException, std::string(message)))
      .body;
}

}  // namespace

ZmqServer::ZmqServer(boost::asio::io_context& io, zmq::context_t& context,
                     Handler handler)
    : io_(io),
      socket_(context, zmq::socket_type::router),
      readable_(io),
      handler_(std::move(handler)) {
  socket_.set(zmq::sockopt::linger, 0);
  // Replies must never block the engine: with a large high-water mark a
  // slow peer queues, and a vanished one is dropped (not ROUTER_MANDATORY).
  socket_.set(zmq::sockopt::sndhwm, 1000000);
  socket_.set(zmq::sockopt::rcvhwm, 1000000);
}

ZmqServer::~ZmqServer() {
  *alive_ = false;
  // The descriptor belongs to the ZeroMQ socket: release, never close it.
  if (readable_.is_open()) {
    boost::system::error_code ignored;
    readable_.cancel(ignored);
    readable_.release();
  }
}

Result<std::string> ZmqServer::Bind(const std::string& endpoint) {
  if (!IsLoopbackTcp(endpoint)) {
    return Status(ErrorCode::kInvalidParameterValue,
                  "Refusing to bind " + endpoint +
                      ": only loopback TCP addresses (127.0.0.1, [::1]) are "
                      "served.");
  }
  try {
    socket_.bind(endpoint);
  } catch (const zmq::error_t& e) {
    return Status(ErrorCode::kInvalidParameterValue,
                  "Cannot bind " + endpoint + ": " + e.what());
  }
  std::string bound = socket_.get(zmq::sockopt::last_endpoint);
  endpoints_.push_back(bound);
  return bound;
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
    if (!(socket_.get(zmq::sockopt::events) & ZMQ_POLLIN)) return;
    readable_.cancel();  // its handler sees operation_aborted
  }
}

void ZmqServer::HandleOne(std::vector<zmq::message_t>& frames) {
  // frames[0] is the peer's routing id. A REQ peer adds an empty delimiter.
  std::vector<std::string> envelope;
  envelope.push_back(frames[0].to_string());
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
  if (parts != 2) {
    Reply(std::move(envelope), false,
          ErrorBody("Expected the frames " +
                    std::string(req_peer ? "[action][json-body]"
                                         : "[request-id][action][json-body]") +
                    ", got " + std::to_string(frames.size() - 1) + " frames."));
    return;
  }
  std::string_view action(static_cast<const char*>(frames[first].data()),
                          frames[first].size());
  std::string_view body(static_cast<const char*>(frames[first + 1].data()),
                        frames[first + 1].size());
  peer_pid_ = 0;
  // The descriptor a frame was read from (-1 when ZeroMQ does not say).
  if (int fd = zmq_msg_get(frames.back().handle(), ZMQ_SRCFD); fd >= 0) {
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
      peer_pid_ = cred.pid;
    }
  }
  handler_(action, body,
           [this, alive = alive_,
            envelope = std::move(envelope)](api::ApiResponse r) mutable {
             if (!*alive) return;
             Reply(std::move(envelope), r.ok, std::move(r.body));
           });
}

void ZmqServer::Reply(std::vector<std::string> envelope, bool ok,
                      std::string body) {
  for (auto& part : envelope) {
    (void)socket_.send(zmq::buffer(part),
                       zmq::send_flags::sndmore | zmq::send_flags::dontwait);
  }
  (void)socket_.send(zmq::buffer(std::string_view(ok ? "ok" : "error")),
                     zmq::send_flags::sndmore | zmq::send_flags::dontwait);
  (void)socket_.send(zmq::buffer(body), zmq::send_flags::dontwait);
  // A send can consume the edge that announced new input: look again once
  // the current handler is done.
  if (recheck_posted_) return;
  recheck_posted_ = true;
  boost::asio::post(io_, [this, alive = alive_] {
    if (!*alive) return;
    recheck_posted_ = false;
    if (socket_.get(zmq::sockopt::events) & ZMQ_POLLIN) {
      readable_.cancel();  // its handler sees operation_aborted
      Drain();
    }
  });
}

}  // namespace fanlab::transport
