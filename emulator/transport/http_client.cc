#include "emulator/transport/http_client.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <map>

#include "emulator/core/common_errors.h"
#include "emulator/queue/sqs_errors.h"

namespace fanlab::transport {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

Status BadUrl(std::string_view url, std::string_view why) {
  return Status(sqs::kInvalidParameterValue,
                "Cannot call '" + std::string(url) + "': " + std::string(why));
}

Status Failed(const std::string& what) {
  return Status(common::kInternalError, what);
}

class Call;

}  // namespace

struct HttpClient::Impl {
  Impl(asio::io_context& io_context, HttpClientOptions o)
      : io(io_context), options(o) {}
  asio::io_context& io;
  HttpClientOptions options;
  bool alive = true;
  uint64_t next_call = 1;
  std::map<uint64_t, std::shared_ptr<Call>> calls;
  // Calls refused before they started whose `done` is posted, not run yet.
  size_t failing = 0;
};

namespace {

// One exchange: resolve, connect, write, read, under one deadline.
class Call : public std::enable_shared_from_this<Call> {
 public:
  Call(std::shared_ptr<HttpClient::Impl> owner, uint64_t id, HttpUrl url,
       http::request<http::string_body> request,
       std::chrono::milliseconds timeout, HttpClient::Done done)
      : owner_(std::move(owner)),
        id_(id),
        url_(std::move(url)),
        request_(std::move(request)),
        timeout_(timeout),
        done_(std::move(done)),
        resolver_(owner_->io),
        socket_(owner_->io),
        timer_(owner_->io) {}

  void Start() {
    timer_.expires_after(timeout_);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;  // cancelled: the call ended first
      self->timed_out_ = true;
      self->resolver_.cancel();
      beast::error_code ignored;
      self->socket_.close(ignored);
    });
    // An address needs no resolver (whose getaddrinfo runs on a thread of
    // its own): the common case, 127.0.0.1.
    beast::error_code ec;
    asio::ip::address address = asio::ip::make_address(url_.host, ec);
    if (!ec) {
      return Connect(tcp::endpoint(address, url_.port));
    }
    resolver_.async_resolve(
        url_.host, std::to_string(url_.port),
        [self = shared_from_this()](beast::error_code ec2,
                                    tcp::resolver::results_type results) {
          if (ec2) return self->Fail("cannot resolve " + self->url_.host, ec2);
          asio::async_connect(
              self->socket_, results,
              [self](beast::error_code ec3, const tcp::endpoint&) {
                self->OnConnect(ec3);
              });
        });
  }

  // The owner is going away: end quietly.
  void Abandon() {
    done_ = nullptr;
    timer_.cancel();
    resolver_.cancel();
    beast::error_code ignored;
    socket_.close(ignored);
  }

 private:
  void Connect(tcp::endpoint endpoint) {
    socket_.async_connect(endpoint,
                          [self = shared_from_this()](beast::error_code ec) {
                            self->OnConnect(ec);
                          });
  }

  void OnConnect(beast::error_code ec) {
    if (ec) return Fail("cannot connect", ec);
    beast::error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    Write();
  }

  void Write() {
    http::async_write(
        socket_, request_,
        [self = shared_from_this()](beast::error_code ec, size_t) {
          if (ec) return self->Fail("cannot send", ec);
          self->Read();
        });
  }

  void Read() {
    parser_.emplace();
    parser_->body_limit(owner_->options.max_response_body);
    if (request_.method() == http::verb::head) parser_->skip(true);
    http::async_read(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) {
          if (ec) return self->Fail("no valid reply", ec);
          http::response<http::string_body> res = self->parser_->release();
          services::HttpResponse out;
          out.status = static_cast<int>(res.result_int());
          for (const auto& field : res) {
            out.headers.emplace_back(std::string(field.name_string()),
                                     std::string(field.value()));
          }
          out.body = std::move(res.body());
          self->Finish(std::move(out));
        });
  }

  void Fail(const std::string& what, beast::error_code ec) {
    if (timed_out_) {
      return Finish(Failed("No reply from " + url_.host + ":" +
                           std::to_string(url_.port) + " within " +
                           std::to_string(timeout_.count()) + " ms."));
    }
    Finish(Failed(what + " (" + url_.host + ":" + std::to_string(url_.port) +
                  "): " + ec.message() + "."));
  }

  void Finish(Result<services::HttpResponse> result) {
    timer_.cancel();
    beast::error_code ignored;
    socket_.close(ignored);
    if (!done_ || !owner_->alive) return;
    HttpClient::Done done = std::move(done_);
    done_ = nullptr;
    owner_->calls.erase(id_);  // may drop the last owner but `self`
    done(std::move(result));
  }

  std::shared_ptr<HttpClient::Impl> owner_;
  uint64_t id_;
  HttpUrl url_;
  http::request<http::string_body> request_;
  std::chrono::milliseconds timeout_;
  HttpClient::Done done_;
  tcp::resolver resolver_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
  bool timed_out_ = false;
};

}  // namespace

Result<HttpUrl> ParseHttpUrl(std::string_view url) {
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) {
      return BadUrl(url, "spaces and control characters are not allowed.");
    }
  }
  constexpr std::string_view kScheme = "http://";
  if (url.size() < kScheme.size() ||
      !beast::iequals(url.substr(0, kScheme.size()), kScheme)) {
    return BadUrl(url, "only http:// URLs are supported.");
  }
  std::string_view rest = url.substr(kScheme.size());
  size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view target =
      end == std::string_view::npos ? std::string_view() : rest.substr(end);
  target = target.substr(0, target.find('#'));
  if (authority.find('@') != std::string_view::npos) {
    return BadUrl(url, "user information is not supported.");
  }
  HttpUrl out;
  std::string_view port;
  if (authority.starts_with("[")) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return BadUrl(url, "bad IPv6 host.");
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return BadUrl(url, "bad host.");
      port = after.substr(1);
    }
  } else {
    size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty()) return BadUrl(url, "no host.");
  if (!port.empty()) {
    unsigned p = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc() || ptr != port.data() + port.size() || p == 0 ||
        p > 65535) {
      return BadUrl(url, "bad port.");
    }
    out.port = static_cast<uint16_t>(p);
  }
  if (target.empty()) {
    out.target = "/";
  } else if (target[0] == '?') {
    out.target = "/" + std::string(target);
  } else {
    out.target = std::string(target);
  }
  return out;
}

HttpClient::HttpClient(asio::io_context& io, HttpClientOptions options)
    : impl_(std::make_shared<Impl>(io, options)) {}

HttpClient::~HttpClient() {
  impl_->alive = false;
  auto calls = std::move(impl_->calls);
  for (auto& [id, call] : calls) call->Abandon();
}

void HttpClient::Request(HttpCall call, Done done) {
  auto fail = [&](Status s) {
    ++impl_->failing;
    asio::post(impl_->io, [impl = impl_, done = std::move(done),
                           s = std::move(s)]() mutable {
      if (!impl->alive) return;
      --impl->failing;
      done(std::move(s));
    });
  };
  Result<HttpUrl> url = ParseHttpUrl(call.url);
  if (!url.ok()) return fail(url.status());
  http::verb verb = http::string_to_verb(call.method);
  if (verb == http::verb::unknown) {
    return fail(BadUrl(call.url, "unknown method '" + call.method + "'."));
  }
  http::request<http::string_body> req(verb, url->target, 11);
  bool v6 = url->host.find(':') != std::string::npos;
  std::string host = v6 ? "[" + url->host + "]" : url->host;
  if (url->port != 80) host += ":" + std::to_string(url->port);
  // Beast writes names and values as they are: a CR/LF in either would
  // add headers or end the request early. Refuse such calls whole.
  for (const auto& [name, value] : call.headers) {
    if (!services::ValidHeaderName(name)) {
      return fail(BadUrl(call.url, "a header name must be token characters."));
    }
    if (!services::ValidHeaderValue(value)) {
      return fail(
          BadUrl(call.url, "header " + name + " holds a control character."));
    }
  }
  try {
    req.set(http::field::host, host);
    req.set(http::field::user_agent, "fanlab");
    for (const auto& [name, value] : call.headers) {
      if (services::HeaderNameEquals(name, "Host") ||
          services::HeaderNameEquals(name, "Content-Length") ||
          services::HeaderNameEquals(name, "Connection") ||
          services::HeaderNameEquals(name, "Transfer-Encoding")) {
        continue;
      }
      req.insert(name, value);  // throws past 64 KB
    }
    req.keep_alive(false);
    req.body() = std::move(call.body);
    req.prepare_payload();  // throws for a TRACE with a body
  } catch (const std::exception& e) {
    return fail(BadUrl(call.url, e.what()));
  }
  uint64_t id = impl_->next_call++;
  auto c = std::make_shared<Call>(impl_, id, std::move(*url), std::move(req),
                                  call.timeout.value_or(impl_->options.timeout),
                                  std::move(done));
  impl_->calls[id] = c;
  c->Start();
}

void HttpClient::Post(std::string url, services::HttpHeaders headers,
                      std::string body, services::HttpPoster::Done done) {
  HttpCall call;
  call.url = std::move(url);
  call.headers = std::move(headers);
  call.body = std::move(body);
  Request(std::move(call),
          [done = std::move(done)](Result<services::HttpResponse> r) {
            if (!r.ok()) return done(r.status());
            done(r->status);
          });
}

size_t HttpClient::pending() const {
  return impl_->calls.size() + impl_->failing;
}

}  // namespace fanlab::transport
