#include "emulator/transport/socket_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <cstring>

#include "emulator/core/common_errors.h"

namespace fanlab::transport {
namespace {

using boost::asio::local::stream_protocol;

uint32_t ReadU32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

void AppendU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

std::string ErrorBody(std::string_view message) {
  return api::ErrorResponse(
             Status(common::kSerializationException, std::string(message)))
      .body;
}

}  // namespace

FramedMessage ReadFramedMessage(std::string_view data, uint64_t max_size,
                                size_t max_frames) {
  FramedMessage m;
  if (data.size() < 4) return m;
  const uint32_t count = ReadU32(data.data());
  if (count == 0 || count > max_frames) {
    m.kind = FramedMessage::Kind::kMalformed;
    m.error = "A message has " + std::to_string(count) + " frames; from 1 to " +
              std::to_string(max_frames) + " are allowed.";
    return m;
  }
  size_t at = 4;
  uint64_t bytes = 0;
  m.frames.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    if (data.size() - at < 4) {
      m.frames.clear();
      return m;
    }
    const uint32_t length = ReadU32(data.data() + at);
    at += 4;
    bytes += length;
    if (bytes > max_size) {
      m.kind = FramedMessage::Kind::kMalformed;
      m.frames.clear();
      m.error = "A message of more than " + std::to_string(max_size) +
                " bytes (frame " + std::to_string(i + 1) + " is " +
                std::to_string(length) + " bytes); at most " +
                std::to_string(max_size) + " are allowed.";
      return m;
    }
    if (data.size() - at < length) {
      m.frames.clear();
      return m;
    }
    m.frames.push_back(data.substr(at, length));
    at += length;
  }
  m.kind = FramedMessage::Kind::kMessage;
  m.size = at;
  return m;
}

void AppendFramedMessage(std::string& out,
                         const std::vector<std::string_view>& frames) {
  AppendU32(out, static_cast<uint32_t>(frames.size()));
  for (std::string_view f : frames) {
    AppendU32(out, static_cast<uint32_t>(f.size()));
    out.append(f);
  }
}

// One accepted peer. Owned by the read and write operations in flight
// (shared_ptr); answers that come after it closed are dropped.
class SocketServer::Connection
    : public std::enable_shared_from_this<Connection> {
 public:
  Connection(SocketServer& server, stream_protocol::socket socket, int pid)
      : server_(server),
        alive_(server.alive_),
        socket_(std::move(socket)),
        pid_(pid) {}

  void Start() {
    boost::system::error_code ignored;
    socket_.non_blocking(true, ignored);  // read_some never waits
    Read();
  }

 private:
  // Waits until the socket is readable, then reads what is there into the
  // server's one scratch buffer (handlers run one at a time) and appends
  // it: no buffer per connection waiting, none zeroed for each read.
  void Read() {
    if (reading_ || closing_ || !socket_.is_open()) return;
    if (pending_ >= server_.options_.max_pending) {
      paused_ = true;  // an answer resumes it
      return;
    }
    reading_ = true;
    socket_.async_wait(
        stream_protocol::socket::wait_read,
        [self = shared_from_this()](const boost::system::error_code& ec) {
          if (!*self->alive_) return;
          self->reading_ = false;
          if (ec) {
            self->Close();
            return;
          }
          std::vector<char>& scratch = self->server_.scratch_;
          boost::system::error_code read_ec;
          size_t n =
              self->socket_.read_some(boost::asio::buffer(scratch), read_ec);
          if (read_ec == boost::asio::error::would_block) {
            self->Read();
            return;
          }
          if (read_ec) {
            self->Close();  // the end of the connection, or its failure
            return;
          }
          self->in_.append(scratch.data(), n);
          self->Parse();
          self->Read();
        });
  }

  // Hands on every whole request buffered, as long as it may.
  void Parse() {
    const SocketServerOptions& o = server_.options_;
    while (!closing_ && socket_.is_open()) {
      if (pending_ >= o.max_pending) {
        paused_ = true;  // an answer resumes it
        break;
      }
      std::string_view rest(in_.data() + used_, in_.size() - used_);
      FramedMessage m = ReadFramedMessage(rest, o.max_message_size, kMaxFrames);
      if (m.kind == FramedMessage::Kind::kNeedMore) break;
      if (m.kind == FramedMessage::Kind::kMalformed) {
        ++server_.closed_for_cause_;
        Reply("", false, ErrorBody(m.error));
        closing_ = true;  // closed once that answer is written
        in_.clear();
        used_ = 0;
        return;
      }
      used_ += m.size;
      Handle(m.frames);
    }
    if (used_ == in_.size()) {
      in_.clear();
      used_ = 0;
    } else if (used_ > in_.size() / 2) {
      in_.erase(0, used_);
      used_ = 0;
    }
  }

  void Handle(const std::vector<std::string_view>& frames) {
    std::string id(frames[0]);
    if (frames.size() != 3 && frames.size() != 4) {
      Reply(id, false,
            ErrorBody("Expected the frames [request-id][action][json-body] "
                      "and optionally [access-key-id], got " +
                      std::to_string(frames.size()) + " frames."));
      return;
    }
    Call call{.action = frames[1], .body = frames[2], .peer_pid = pid_};
    if (frames.size() == 4) {
      call.access_key_id = frames[3];
      if (call.access_key_id.size() > kMaxAccessKeyIdSize) {
        Reply(id, false,
              ErrorBody("The access-key-id frame is " +
                        std::to_string(call.access_key_id.size()) +
                        " bytes; at most " +
                        std::to_string(kMaxAccessKeyIdSize) + " are allowed."));
        return;
      }
    }
    ++pending_;
    server_.handler_(call, [weak = weak_from_this(), alive = alive_,
                            id = std::move(id)](api::ApiResponse r) {
      if (!*alive) return;
      auto self = weak.lock();
      if (!self) return;
      --self->pending_;
      self->Reply(id, r.ok, r.body);
      // Paused at max_pending: the answer makes room. Resumed from the
      // loop, not from inside a handler that may still read its call.
      if (self->paused_) {
        self->paused_ = false;
        boost::asio::post(self->server_.io_, [self] {
          if (!*self->alive_) return;
          self->Parse();
          self->Read();
        });
      }
    });
  }

  void Reply(std::string_view id, bool ok, std::string_view body) {
    if (!socket_.is_open()) return;
    AppendFramedMessage(out_, {id, ok ? "ok" : "error", body});
    if (out_.size() + sending_.size() > server_.options_.backlog_bytes) {
      ++server_.closed_for_cause_;
      Close();  // sends and never reads: its replies are dropped
      return;
    }
    Write();
  }

  void Write() {
    if (writing_ || !socket_.is_open()) return;
    if (out_.empty()) {
      if (closing_) Close();
      return;
    }
    writing_ = true;
    sending_.swap(out_);
    boost::asio::async_write(socket_, boost::asio::buffer(sending_),
                             [self = shared_from_this()](
                                 const boost::system::error_code& ec, size_t) {
                               if (!*self->alive_) return;
                               self->writing_ = false;
                               self->sending_.clear();
                               if (ec) {
                                 self->Close();
                                 return;
                               }
                               self->Write();
                             });
  }

  // Closes the socket and lets the server forget it (the caller holds a
  // reference: every path here runs from a handler that does).
  void Close() {
    if (!socket_.is_open()) return;
    Shut();
    server_.connections_.erase(this);
  }

 public:
  // Closes the socket, leaving the server's records alone.
  void Shut() {
    boost::system::error_code ignored;
    socket_.shutdown(stream_protocol::socket::shutdown_both, ignored);
    socket_.close(ignored);
    out_.clear();
  }

 private:
  SocketServer& server_;
  std::shared_ptr<bool> alive_;
  stream_protocol::socket socket_;
  int pid_;
  std::string in_;  // read, from used_ on not yet handed on
  size_t used_ = 0;
  std::string out_;  // replies waiting for the write in flight
  std::string sending_;
  size_t pending_ = 0;
  bool reading_ = false;
  bool writing_ = false;
  bool closing_ = false;  // a malformed message: close after the answer
  bool paused_ = false;   // stopped at max_pending
};

SocketServer::SocketServer(boost::asio::io_context& io, Handler handler,
                           SocketServerOptions options)
    : io_(io),
      handler_(std::move(handler)),
      options_(options),
      acceptor_(io),
      retry_(io) {}

SocketServer::~SocketServer() {
  *alive_ = false;
  for (auto& [raw, connection] : connections_) connection->Shut();
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  retry_.cancel();
  if (!path_.empty()) ::unlink(path_.c_str());
}

Status SocketServer::Listen(const std::string& path) {
  if (!path_.empty()) {
    return Status(common::kInternalError,
                  "The function socket listens at " + path_ + " already.");
  }
  boost::system::error_code ec;
  stream_protocol::endpoint endpoint(path);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec)
    acceptor_.listen(boost::asio::socket_base::max_listen_connections, ec);
  if (ec) {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    return Status(common::kInternalError,
                  "Cannot listen at " + path + ": " + ec.message());
  }
  path_ = path;
  Accept();
  return Status();
}

void SocketServer::Accept() {
  acceptor_.async_accept([this, alive = alive_](
                             const boost::system::error_code& ec,
                             stream_protocol::socket socket) {
    if (!*alive) return;
    if (ec == boost::asio::error::operation_aborted) return;
    if (!ec) {
      ucred cred{};
      socklen_t len = sizeof cred;
      bool same_user = ::getsockopt(socket.native_handle(), SOL_SOCKET,
                                    SO_PEERCRED, &cred, &len) == 0 &&
                       cred.uid == ::geteuid();
      if (same_user && connections_.size() < options_.max_connections) {
        auto connection =
            std::make_shared<Connection>(*this, std::move(socket), cred.pid);
        connections_.emplace(connection.get(), connection);
        connection->Start();
      } else {
        boost::system::error_code ignored;
        socket.close(ignored);
      }
    }
    if (!ec || ec == boost::asio::error::connection_aborted) {
      Accept();
      return;
    }
    // Out of descriptors (EMFILE...): the listener waits a little rather
    // than spin, and goes on.
    retry_.expires_after(std::chrono::milliseconds(50));
    retry_.async_wait([this, alive](const boost::system::error_code& e) {
      if (*alive && !e) Accept();
    });
  });
}

}  // namespace fanlab::transport
