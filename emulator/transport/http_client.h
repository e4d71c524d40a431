// An asynchronous HTTP/1.1 client on the engine's io_context: one request
// per connection (Connection: close), http:// only, a deadline on the
// whole exchange (resolve, connect, write, read). It is the
// services::HttpPoster the services use (SNS http subscriptions, ...), and
// a general client for tests and tools.
//
// Beast stays in http_client.cc: this header is safe to include anywhere.
//
// Thread safety: none; everything runs on the io_context's thread.
#ifndef FANLAB_EMULATOR_TRANSPORT_HTTP_CLIENT_H_
#define FANLAB_EMULATOR_TRANSPORT_HTTP_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "emulator/core/status.h"
#include "emulator/services/http_poster.h"

namespace boost::asio {
class io_context;
}

namespace fanlab::transport {

// "http://host[:port][/path][?query]", split.
struct HttpUrl {
  std::string host;  // "127.0.0.1", "example.com", "::1" (no brackets)
  uint16_t port = 80;
  std::string target = "/";  // path and query: "/cb?x=1"
};

// Errors: InvalidParameterValue (not http://, no host, a bad port, a
// space or control character anywhere).
Result<HttpUrl> ParseHttpUrl(std::string_view url);

struct HttpClientOptions {
  // The whole exchange, real time (never the engine's Clock: a virtual
  // clock skips time while the engine waits for I/O).
  std::chrono::milliseconds timeout{10000};
  size_t max_response_body = 10 * 1024 * 1024;
};

struct HttpCall {
  std::string method = "POST";
  std::string url;
  services::HttpHeaders headers;  // Host, Content-Length, Connection are set
  std::string body;
  std::optional<std::chrono::milliseconds> timeout;  // default: the options'
};

class HttpClient : public services::HttpPoster {
 public:
  using Done = std::function<void(Result<services::HttpResponse>)>;

  // `io` must outlive the client.
  explicit HttpClient(boost::asio::io_context& io,
                      HttpClientOptions options = {});
  // Calls still in flight are abandoned: their `done` never runs.
  ~HttpClient() override;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends `call`; `done` runs once, on the io_context's thread, never
  // before Request returns, with the response (any status) or an error:
  // InvalidParameterValue (a bad URL or method, a header whose name is
  // not services::ValidHeaderName or whose value is not
  // services::ValidHeaderValue: nothing is sent), InternalError (cannot
  // resolve or connect, reset, timed out, a reply that is not HTTP or
  // whose body is over max_response_body).
  void Request(HttpCall call, Done done);

  // services::HttpPoster: a POST; the status code, or the error above.
  void Post(std::string url, services::HttpHeaders headers, std::string body,
            services::HttpPoster::Done done) override;

  // Calls whose `done` has not run yet: from Request (or Post) until
  // `done` runs, refused ones (a bad URL, a bad header) included, since
  // theirs runs later too. An engine on a virtual clock counts these as
  // work in progress, so that time does not skip ahead while a call waits
  // for real I/O. 0 again once every `done` has run; a destroyed client's
  // calls are gone with it.
  size_t pending() const;

  // Internal: the state connections share (defined in the .cc file).
  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace fanlab::transport

#endif  // FANLAB_EMULATOR_TRANSPORT_HTTP_CLIENT_H_
