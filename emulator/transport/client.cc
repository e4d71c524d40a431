#include "emulator/transport/client.h"

#include <charconv>

namespace fanlab::transport {

Client::Client(zmq::context_t& context, const std::string& endpoint)
    : socket_(context, zmq::socket_type::dealer) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.set(zmq::sockopt::sndhwm, 1000000);
  socket_.set(zmq::sockopt::rcvhwm, 1000000);
  socket_.connect(endpoint);
}

uint64_t Client::Send(std::string_view action, std::string_view body) {
  uint64_t id = next_id_++;
  std::string id_text = std::to_string(id);
  socket_.send(zmq::buffer(id_text), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(action), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(body), zmq::send_flags::none);
  return id;
}

std::optional<Reply> Client::Receive(std::chrono::milliseconds timeout) {
  zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
  if (zmq::poll(&item, 1, timeout) == 0) return std::nullopt;
  zmq::message_t id, status, body;
  (void)socket_.recv(id);
  if (!id.more()) return std::nullopt;
  (void)socket_.recv(status);
  if (!status.more()) return std::nullopt;
  (void)socket_.recv(body);
  while (body.more()) (void)socket_.recv(body);  // tolerate extra frames
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
