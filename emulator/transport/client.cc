#include "emulator/transport/client.h"

#include <atomic>
#include <charconv>
#include <cstdlib>
#include <utility>
#include <zmq.hpp>

#include "emulator/core/common_errors.h"
#include "emulator/transport/zmq_server.h"

namespace fanlab::transport {

namespace {

constexpr int kRefusedEvents = ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                               ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL;

}  // namespace

// The DEALER socket, and a monitor of its handshakes: a server that
// refuses this client (a wrong or missing auth token, another user's
// ipc:// socket) closes the connection without a frame, so the refusal is
// known only from the socket's events.
struct Client::Socket {
  explicit Socket(zmq::context_t& context)
      : socket(context, zmq::socket_type::dealer),
        monitor(context, zmq::socket_type::pair) {
    static std::atomic<uint64_t> counter{0};
    std::string address =
        "inproc://fanlab-client-monitor-" + std::to_string(counter++);
    if (zmq_socket_monitor(socket.handle(), address.c_str(), kRefusedEvents) ==
        0) {
      monitor.set(zmq::sockopt::linger, 0);
      monitor.connect(address);
    }
  }
  ~Socket() { zmq_socket_monitor(socket.handle(), nullptr, 0); }
  zmq::socket_t socket;
  zmq::socket_t monitor;
};

Client::Client(Context& context, const std::string& endpoint,
               std::optional<std::string> auth_token,
               std::optional<std::string> access_key_id)
    : socket_(std::make_unique<Socket>(context.zmq())) {
  if (!access_key_id) {
    // Longer than the server takes: not a function environment's key.
    const char* from_env = std::getenv("AWS_ACCESS_KEY_ID");
    access_key_id = from_env != nullptr ? from_env : "";
    if (access_key_id->size() > ZmqServer::kMaxAccessKeyIdSize) {
      access_key_id->clear();
    }
  }
  access_key_id_ = std::move(*access_key_id);
  zmq::socket_t& s = socket_->socket;
  s.set(zmq::sockopt::linger, 0);
  if (!auth_token) {
    const char* from_env = std::getenv("FANLAB_AUTH_TOKEN");
    auth_token = from_env != nullptr ? from_env : "";
  }
  if (!auth_token->empty()) {
    s.set(zmq::sockopt::plain_username, "fanlab");
    s.set(zmq::sockopt::plain_password, *auth_token);
  }
  s.set(zmq::sockopt::sndhwm, 1000000);
  s.set(zmq::sockopt::rcvhwm, 1000000);
  s.connect(endpoint);
}

Client::~Client() = default;

uint64_t Client::Send(std::string_view action, std::string_view body) {
  uint64_t id = next_id_++;
  std::string id_text = std::to_string(id);
  zmq::socket_t& s = socket_->socket;
  s.send(zmq::buffer(id_text), zmq::send_flags::sndmore);
  s.send(zmq::buffer(action), zmq::send_flags::sndmore);
  if (access_key_id_.empty()) {
    s.send(zmq::buffer(body), zmq::send_flags::none);
  } else {
    s.send(zmq::buffer(body), zmq::send_flags::sndmore);
    s.send(zmq::buffer(access_key_id_), zmq::send_flags::none);
  }
  return id;
}

std::optional<Reply> Client::Receive(std::chrono::milliseconds timeout) {
  zmq::socket_t& s = socket_->socket;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() < 0) left = std::chrono::milliseconds(0);
    zmq::pollitem_t items[] = {{s.handle(), 0, ZMQ_POLLIN, 0},
                               {socket_->monitor.handle(), 0, ZMQ_POLLIN, 0}};
    if (zmq::poll(items, 2, left) == 0) return std::nullopt;
    if (items[1].revents & ZMQ_POLLIN) {
      // [event (2 bytes) + value (4 bytes)][endpoint]
      zmq::message_t event, address;
      (void)socket_->monitor.recv(event);
      if (event.more()) (void)socket_->monitor.recv(address);
      refused_ = true;
      if (!(items[0].revents & ZMQ_POLLIN)) return std::nullopt;
    }
    if (items[0].revents & ZMQ_POLLIN) break;
  }
  zmq::message_t id, status, body;
  (void)s.recv(id);
  if (!id.more()) return std::nullopt;
  (void)s.recv(status);
  if (!status.more()) return std::nullopt;
  (void)s.recv(body);
  while (body.more()) (void)s.recv(body);  // tolerate extra frames
  Reply r;
  std::string_view id_text = id.to_string_view();
  std::from_chars(id_text.data(), id_text.data() + id_text.size(),
                  r.request_id);
  r.ok = status.to_string_view() == "ok";
  r.body = body.to_string();
  return r;
}

Result<Reply> Client::Call(std::string_view action, std::string_view body,
                           std::chrono::milliseconds timeout) {
  uint64_t id = Send(action, body);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() < 0) left = std::chrono::milliseconds(0);
    auto r = Receive(left);
    if (!r && refused_) {
      return Status(common::kInternalError,
                    "The server refused the connection (" +
                        std::string(action) +
                        " not sent): a wrong or missing auth token "
                        "(FANLAB_AUTH_TOKEN), or another user's ipc:// "
                        "socket.");
    }
    if (!r) {
      return Status(common::kInternalError,
                    "No reply to " + std::string(action) + " within " +
                        std::to_string(timeout.count()) + " ms.");
    }
    if (r->request_id == id) return std::move(*r);
    // A late reply to an earlier, abandoned call: skip it.
  }
}

}  // namespace fanlab::transport
