#include "emulator/transport/http_server.h"

#include <algorithm>
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <map>
#include <optional>

namespace fanlab::transport {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
class Session;
}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& io_context, Handler h, HttpServerOptions o)
      : io(io_context),
        acceptor(io_context),
        retry(io_context),
        handler(std::move(h)),
        options(o) {}

  void Accept();

  asio::io_context& io;
  tcp::acceptor acceptor;
  asio::steady_timer retry;  // re-arms accept after EMFILE and the like
  Handler handler;
  HttpServerOptions options;
  std::string url;
  bool alive = true;  // false once the HttpServer is gone
  uint64_t next_session = 1;
  std::map<uint64_t, std::weak_ptr<Session>> sessions;
};

namespace {

// One connection: reads a request, hands it to the handler, writes the
// answer, and again while the client keeps the connection alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<HttpServer::Impl> server,
          uint64_t id)
      : stream_(std::move(socket)), server_(std::move(server)), id_(id) {
    beast::error_code ec;
    auto peer = stream_.socket().remote_endpoint(ec);
    if (!ec) peer_ = peer.address().to_string();
  }
  ~Session() {
    if (server_->alive) server_->sessions.erase(id_);
  }

  void Start() { ReadHeader(); }

  // Ends the connection at once (pending operations see an error).
  void Close() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  // The handler's answer to request number `generation`.
  void Answer(uint64_t generation, services::HttpResponse response) {
    if (closed_ || !waiting_ || generation != generation_) return;
    waiting_ = false;
    Send(std::move(response), !keep_alive_);
  }
  // Every copy of request `generation`'s Respond was dropped unanswered.
  void Abandoned(uint64_t generation) {
    if (waiting_ && generation == generation_) Close();
  }

 private:
  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(
        static_cast<std::uint32_t>(server_->options.header_limit));
    parser_->body_limit(std::max(server_->options.body_limit,
                                 server_->options.large_body_limit));
    stream_.expires_after(server_->options.read_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) {
          self->OnHeader(ec);
        });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return Fail(ec);
    // Read before the server went away, run after: answer nothing.
    if (closed_ || !server_->alive) return Close();
    if (Status s = ApplyBodyLimit(); !s.ok()) {
      return SendError(413, "Request Too Long");
    }
    if (parser_->is_done()) return Dispatch();
    auto expect = parser_->get().find(http::field::expect);
    if (expect != parser_->get().end() &&
        beast::iequals(expect->value(), "100-continue")) {
      // The client waits for this before it sends the body.
      interim_.emplace(http::status::continue_, parser_->get().version());
      stream_.expires_after(server_->options.write_timeout);
      return http::async_write(
          stream_, *interim_,
          [self = shared_from_this()](beast::error_code ec2, size_t) {
            if (ec2) return self->Close();
            self->ReadBody();
          });
    }
    ReadBody();
  }

  // Narrows the body limit to options.body_limit unless the request may
  // carry a large body; an error when its Content-Length is past it.
  Status ApplyBodyLimit() {
    const HttpServerOptions& o = server_->options;
    if (o.large_body_limit <= o.body_limit) return Status();
    if (o.large_body) {
      const auto& h = parser_->get();
      services::HttpRequest head;
      head.method = std::string(h.method_string());
      std::string_view target = h.target();
      size_t q = target.find('?');
      head.path = std::string(target.substr(0, q));
      if (q != std::string_view::npos) {
        head.query = std::string(target.substr(q + 1));
      }
      for (const auto& field : h) {
        head.headers.emplace_back(std::string(field.name_string()),
                                  std::string(field.value()));
      }
      if (o.large_body(head)) return Status();
    }
    auto length = parser_->content_length();
    if (length && *length > o.body_limit) {
      return Status(ErrorCode::kRequestEntityTooLargeException,
                    "Request Too Long");
    }
    parser_->body_limit(o.body_limit);
    return Status();
  }

  void ReadBody() {
    stream_.expires_after(server_->options.read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) return self->Fail(ec);
                       self->Dispatch();
                     });
  }

  // A read failed: answer what deserves an answer, close the rest.
  void Fail(beast::error_code ec) {
    if (closed_ || !server_->alive) return Close();
    if (ec == http::error::body_limit) {
      return SendError(413, "Request Too Long");
    }
    if (ec == http::error::header_limit) {
      return SendError(431, "Request Header Fields Too Large");
    }
    // Timeouts, resets, end of stream (also inside a message): nobody
    // to answer. Any other Beast parse error is a malformed request.
    if (ec.category() ==
            http::make_error_code(http::error::bad_method).category() &&
        ec != http::error::end_of_stream &&
        ec != http::error::partial_message) {
      return SendError(400, "Bad Request");
    }
    Close();
  }

  void SendError(int status, std::string_view message) {
    services::HttpResponse r;
    r.status = status;
    r.headers.push_back({"Content-Type", "application/json"});
    r.body = "{\"message\":\"" + std::string(message) + "\"}";
    Send(std::move(r), /*close=*/true);
  }

  void Dispatch() {
    // A read that completed just before ~HttpServer still runs if the
    // io_context runs again: the handler (and whatever it points at, the
    // engine's front) may be gone by then.
    if (closed_ || !server_->alive) return Close();
    http::request<http::string_body> req = parser_->release();
    parser_.reset();
    keep_alive_ = req.keep_alive();
    version_ = req.version();
    head_ = req.method() == http::verb::head;

    services::HttpRequest r;
    r.method = std::string(req.method_string());
    std::string_view target = req.target();
    // Absolute form ("http://host/path"): only the path and query count.
    if (target.starts_with("http://") || target.starts_with("https://")) {
      size_t slash = target.find('/', target.find("//") + 2);
      target = slash == std::string_view::npos ? std::string_view("/")
                                               : target.substr(slash);
    }
    size_t q = target.find('?');
    r.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos)
      r.query = std::string(target.substr(q + 1));
    for (const auto& field : req) {
      r.headers.emplace_back(std::string(field.name_string()),
                             std::string(field.value()));
    }
    r.body = std::move(req.body());
    r.source_ip = peer_;

    ++generation_;
    waiting_ = true;
    // No timeout while the handler works (a function may run for minutes).
    stream_.expires_never();
    struct Slot {
      std::shared_ptr<Session> session;
      uint64_t generation = 0;
      bool used = false;
      ~Slot() {
        if (!used) session->Abandoned(generation);
      }
    };
    auto slot = std::make_shared<Slot>();
    slot->session = shared_from_this();
    slot->generation = generation_;
    server_->handler(std::move(r), [slot](services::HttpResponse response) {
      if (slot->used) return;
      slot->used = true;
      slot->session->Answer(slot->generation, std::move(response));
    });
  }

  void Send(services::HttpResponse r, bool close) {
    close_after_ = close;
    response_.emplace();
    response_->version(version_);
    // Beast 1.81 checks neither names nor values (it writes them raw) and
    // only throws on sizes (a name or value over 64 KB, a status over
    // 999): check what it does not, so that no handler can split the
    // answer, or send a 1xx the client would take as interim.
    bool sendable = r.status >= 200 && r.status <= 599;
    for (const auto& [name, value] : r.headers) {
      sendable = sendable && services::ValidHeaderName(name) &&
                 services::ValidHeaderValue(value);
    }
    if (sendable) {
      try {
        response_->result(static_cast<unsigned>(r.status));
        for (auto& [name, value] : r.headers) response_->insert(name, value);
      } catch (const std::exception&) {
        sendable = false;  // a name or value over Beast's 64 KB
      }
    }
    if (!sendable) {
      // The answer cannot be sent as asked: a 500 instead.
      response_.emplace(http::status::internal_server_error, version_);
      response_->set(http::field::content_type, "application/json");
      r.body = "{\"message\":\"Internal server error\"}";
      r.status = 500;
    }
    bool no_body = r.status == 204 || r.status == 304;
    if (no_body) {
      response_->content_length(boost::none);
    } else if (head_) {
      // What a GET would get: the body's size, or the length the handler
      // states (S3's HeadObject).
      if (!response_->has_content_length()) {
        response_->content_length(r.body.size());
      }
    } else {
      response_->body() = std::move(r.body);
      response_->prepare_payload();
    }
    response_->keep_alive(!close);
    stream_.expires_after(server_->options.write_timeout);
    http::async_write(
        stream_, *response_,
        [self = shared_from_this()](beast::error_code ec, size_t) {
          self->response_.reset();
          if (ec) return self->Close();
          if (self->close_after_) return self->Linger();
          self->ReadHeader();
        });
  }

  // Closing right after an answer can reset the connection before the
  // client has read it, when it is still sending (an oversized body):
  // stop sending, read and drop what comes for a moment, then close.
  void Linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(1));
    stream_.async_read_some(
        asio::buffer(drain_),
        [self = shared_from_this()](beast::error_code ec, size_t) {
          if (ec) return self->Close();
          self->Linger();
        });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
  std::optional<http::response<http::empty_body>> interim_;
  std::array<char, 512> drain_;
  std::shared_ptr<HttpServer::Impl> server_;
  uint64_t id_;
  std::string peer_;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool head_ = false;
  bool close_after_ = false;
  bool waiting_ = false;  // a request is with the handler
  bool closed_ = false;
  uint64_t generation_ = 0;  // requests dispatched on this connection
};

// "127.0.0.1", "127.a.b.c", "localhost" and "::1" only.
std::optional<asio::ip::address> LoopbackAddress(std::string_view host) {
  if (host == "localhost") return asio::ip::make_address_v4("127.0.0.1");
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  beast::error_code ec;
  asio::ip::address a = asio::ip::make_address(std::string(host), ec);
  if (ec || !a.is_loopback()) return std::nullopt;
  return a;
}

}  // namespace

void HttpServer::Impl::Accept() {
  acceptor.async_accept(
      [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
        if (!self->alive) return;
        if (ec) {
          if (ec == asio::error::operation_aborted) return;
          // Out of descriptors, typically: try again soon rather than spin.
          self->retry.expires_after(std::chrono::milliseconds(100));
          self->retry.async_wait([self](beast::error_code ec2) {
            if (!ec2 && self->alive) self->Accept();
          });
          return;
        }
        if (self->sessions.size() >= self->options.max_connections) {
          beast::error_code ignored;
          socket.close(ignored);
        } else {
          beast::error_code ignored;
          // Small answers go out at once, not after a delayed ACK.
          socket.set_option(tcp::no_delay(true), ignored);
          uint64_t id = self->next_session++;
          auto session = std::make_shared<Session>(std::move(socket), self, id);
          self->sessions[id] = session;
          session->Start();
        }
        self->Accept();
      });
}

HttpServer::HttpServer(asio::io_context& io, Handler handler,
                       HttpServerOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(handler), options)) {}

HttpServer::~HttpServer() {
  impl_->alive = false;
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
  impl_->retry.cancel();
  auto sessions = std::move(impl_->sessions);
  for (auto& [id, weak] : sessions) {
    if (auto s = weak.lock()) s->Close();
  }
}

Result<std::string> HttpServer::Bind(const std::string& address) {
  auto invalid = [&](const std::string& why) {
    return Status(ErrorCode::kInvalidParameterValue,
                  "Cannot serve HTTP on '" + address + "': " + why);
  };
  if (impl_->acceptor.is_open()) return invalid("the server is bound already.");
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) return invalid("expected HOST:PORT.");
  std::string_view host = std::string_view(address).substr(0, colon);
  std::string_view port_text = std::string_view(address).substr(colon + 1);
  unsigned port = 0;
  auto [end, perr] = std::from_chars(port_text.data(),
                                     port_text.data() + port_text.size(), port);
  if (port_text.empty() || perr != std::errc() ||
      end != port_text.data() + port_text.size() || port > 65535) {
    return invalid("bad port.");
  }
  std::optional<asio::ip::address> ip = LoopbackAddress(host);
  if (!ip) {
    return invalid(
        "only loopback addresses (127.0.0.1, localhost, [::1]) are served.");
  }
  tcp::endpoint endpoint(*ip, static_cast<unsigned short>(port));
  beast::error_code ec;
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec)
    impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec)
    impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
    return invalid(ec.message() + ".");
  }
  tcp::endpoint bound = impl_->acceptor.local_endpoint(ec);
  std::string shown = bound.address().is_v6()
                          ? "[" + bound.address().to_string() + "]"
                          : bound.address().to_string();
  impl_->url = "http://" + shown + ":" + std::to_string(bound.port());
  impl_->Accept();
  return impl_->url;
}

const std::string& HttpServer::url() const { return impl_->url; }

size_t HttpServer::connections() const { return impl_->sessions.size(); }

}  // namespace fanlab::transport
