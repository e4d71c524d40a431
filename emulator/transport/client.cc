#include "emulator/transport/client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <zmq.hpp>

#include "emulator/core/common_errors.h"
#include "emulator/transport/socket_server.h"
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

// A connection to the engine's function socket (unix://PATH): the same
// frames, each length-prefixed (socket_server.h), over a Unix stream.
struct Client::Stream {
  // The largest reply taken (the largest legal answer, a 70 MiB object as
  // base64 in JSON, is about 94 MiB).
  static constexpr uint64_t kMaxReply = uint64_t{200} << 20;

  explicit Stream(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof addr.sun_path) {
      broken = "the socket path unix://" + path + " is empty or too long";
      return;
    }
    std::memcpy(addr.sun_path, path.data(), path.size());
    fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int r = fd < 0 ? -1
                   : ::connect(fd, reinterpret_cast<const sockaddr*>(&addr),
                               sizeof addr);
    if (r < 0) {
      broken = "cannot connect to unix://" + path + ": " + std::strerror(errno);
      Close();
    }
  }
  ~Stream() { Close(); }
  void Close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  void Fail(std::string why) {
    if (broken.empty()) broken = std::move(why);
    Close();
  }

  void Queue(const std::vector<std::string_view>& frames) {
    if (fd < 0) return;
    AppendFramedMessage(out, frames);
    Write();
  }
  void Write() {
    while (fd >= 0 && !out.empty()) {
      ssize_t n =
          ::send(fd, out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        out.erase(0, size_t(n));
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        if (n < 0 && errno != EAGAIN) {
          Fail(std::string("the connection failed: ") + std::strerror(errno));
        }
        return;
      }
    }
  }

  // The next reply, reading (and writing what is queued) up to `timeout`
  // for it; nullopt when none came, or the connection failed (broken).
  std::optional<Reply> Next(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (fd >= 0) {
      FramedMessage m = ReadFramedMessage(in, kMaxReply, 16);
      if (m.kind == FramedMessage::Kind::kMalformed) {
        Fail("the server sent what is not a reply: " + m.error);
        return std::nullopt;
      }
      if (m.kind == FramedMessage::Kind::kMessage) {
        std::optional<Reply> r;
        if (m.frames.size() >= 3) {  // extra frames are tolerated
          r.emplace();
          std::from_chars(m.frames[0].data(),
                          m.frames[0].data() + m.frames[0].size(),
                          r->request_id);
          r->ok = m.frames[1] == "ok";
          r->body = std::string(m.frames[2]);
        }
        in.erase(0, m.size);
        if (r) return r;
        continue;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd p{fd, short(POLLIN | (out.empty() ? 0 : POLLOUT)), 0};
      int ready = ::poll(&p, 1, int(std::max<int64_t>(left.count(), 0)));
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0) return std::nullopt;
      if (p.revents & POLLOUT) Write();
      if (!(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[65536];
      ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n == 0) Fail("the server closed the connection");
      if (n < 0 && errno != EAGAIN && errno != EINTR) {
        Fail(std::string("the connection failed: ") + std::strerror(errno));
      }
      if (n > 0) in.append(buf, size_t(n));
    }
    return std::nullopt;
  }

  int fd = -1;
  std::string in;      // read, not yet a whole reply
  std::string out;     // queued, not yet written
  std::string broken;  // why the connection failed; "" while it works
};

Client::Client(Context& context, const std::string& endpoint,
               std::optional<std::string> auth_token,
               std::optional<std::string> access_key_id) {
  if (endpoint.starts_with("unix://")) {
    stream_ = std::make_unique<Stream>(endpoint.substr(7));
  } else {
    socket_ = std::make_unique<Socket>(context.zmq());
  }
  if (!access_key_id) {
    // Longer than the server takes: not a function environment's key.
    const char* from_env = std::getenv("AWS_ACCESS_KEY_ID");
    access_key_id = from_env != nullptr ? from_env : "";
    if (access_key_id->size() > ZmqServer::kMaxAccessKeyIdSize) {
      access_key_id->clear();
    }
  }
  access_key_id_ = std::move(*access_key_id);
  if (stream_ != nullptr) return;  // no token: the socket is this user's
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
  if (stream_ != nullptr) {
    if (access_key_id_.empty()) {
      stream_->Queue({id_text, action, body});
    } else {
      stream_->Queue({id_text, action, body, access_key_id_});
    }
    return id;
  }
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
  if (stream_ != nullptr) return stream_->Next(timeout);
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
    if (!r && stream_ != nullptr && !stream_->broken.empty()) {
      return Status(
          common::kInternalError,
          "No reply to " + std::string(action) + ": " + stream_->broken + ".");
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
