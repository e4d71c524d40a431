#include "emulator/transport/client.h"

#include <charconv>
#include <cstdlib>
#include <zmq.hpp>

namespace fanlab::transport {

struct Client::Socket {
  zmq::socket_t socket;
};

Client::Client(Context& context, const std::string& endpoint,
               std::optional<std::string> auth_token)
    : socket_(std::make_unique<Socket>(
          Socket{zmq::socket_t(context.zmq(), zmq::socket_type::dealer)})) {
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
  s.send(zmq::buffer(body), zmq::send_flags::none);
  return id;
}

std::optional<Reply> Client::Receive(std::chrono::milliseconds timeout) {
  zmq::socket_t& s = socket_->socket;
  zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
  if (zmq::poll(&item, 1, timeout) == 0) return std::nullopt;
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
    if (!r) {
      return Status(ErrorCode::kInternalError,
                    "No reply to " + std::string(action) + " within " +
                        std::to_string(timeout.count()) + " ms.");
    }
    if (r->request_id == id) return std::move(*r);
    // A late reply to an earlier, abandoned call: skip it.
  }
}

}  // namespace fanlab::transport
