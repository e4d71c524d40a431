// The HTTP/1.1 listener of the engine: one loopback address, every
// connection served asynchronously on the engine's io_context, so that a
// slow client (half a header, then silence; a reader that never reads)
// costs a socket and a small buffer, never the loop. Requests are parsed
// in place from each connection's read buffer into services::HttpRequest
// and handed to a Handler whose answer may come later (a function running
// behind a route, a parked long poll).
//
// Per connection: keep-alive, and pipelining: requests already read are
// handled one at a time, each after the answer to the one before it, and
// the answers to a batch go out in one write. Limits, all in
// HttpServerOptions: the request line and headers (header_limit bytes and
// header_count fields; 431 past either), the body (413 past it: 10 MB,
// API Gateway's payload limit, or large_body_limit for a request
// large_body picks by its head). A request Content-Length, chunked or
// neither (no body) framing cannot parse is 400. Past a limit or on a bad
// request the answer closes the connection. `Expect: 100-continue` is
// answered.
//
// Timeouts keep capacity for new clients: a request's header must arrive
// within header_timeout of its first byte (of the connection's opening,
// for the first request), a body may pause for at most read_timeout, a
// connection idle between requests closes after idle_timeout, an answer
// must be written within write_timeout. None runs while the handler
// works. At max_connections, a new connection closes the one that has
// waited longest for a request's bytes (idle, or in a header or body)
// to make room; only when every connection is with the handler or being
// written to is the new one refused.
//
// No Beast and no Asio in this header: it is safe to include anywhere.
//
// Thread safety: none; everything runs on the io_context's thread.
#ifndef FANLAB_EMULATOR_TRANSPORT_HTTP_SERVER_H_
#define FANLAB_EMULATOR_TRANSPORT_HTTP_SERVER_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "emulator/core/status.h"
#include "emulator/services/http_poster.h"

namespace boost::asio {
class io_context;
}

namespace fanlab::transport {

struct HttpServerOptions {
  size_t header_limit = 16 * 1024;       // request line + header fields
  size_t body_limit = 10 * 1024 * 1024;  // API Gateway's 10 MB
  // A request for which large_body (called with its method, path, query
  // and headers, before the body is read) returns true may carry up to
  // large_body_limit bytes instead. 0 or no predicate: body_limit for all.
  size_t large_body_limit = 0;
  std::function<bool(const services::HttpRequest& head)> large_body;
  size_t header_count = 100;  // header fields of one request
  // I/O timeouts are steady (real) time, never the engine's Clock: a
  // virtual clock skips time whenever the engine is idle, which would cut
  // every connection that is merely waiting for bytes.
  std::chrono::milliseconds header_timeout{10000};  // a request's head
  std::chrono::milliseconds read_timeout{30000};    // a pause in a body
  std::chrono::milliseconds idle_timeout{30000};    // between requests
  std::chrono::milliseconds write_timeout{30000};   // one answer
  // Open connections at most (see the header comment for who makes room).
  size_t max_connections = 512;
  // How often the server checks the timeouts (they hold to within it).
  std::chrono::milliseconds timeout_tick{1000};
  // The time the timeouts are measured in; null: steady_clock::now. Tests
  // give a fake one and call CheckTimeouts() after moving it.
  std::function<std::chrono::steady_clock::time_point()> now;
};

class HttpServer {
 public:
  // Sends the answer to a request. Call it once: later calls, and calls
  // after the client went away, do nothing. Dropping every copy of it
  // without calling it closes the connection. An answer that cannot be
  // sent as given (a status outside 200-599, a header name that is not
  // services::ValidHeaderName or a value not services::ValidHeaderValue,
  // a name or value over 64 KB) goes out as a 500 instead.
  using Respond = std::function<void(services::HttpResponse)>;
  using Handler = std::function<void(services::HttpRequest, Respond)>;

  // `io` must outlive the server.
  HttpServer(boost::asio::io_context& io, Handler handler,
             HttpServerOptions options = {});
  // Stops accepting and closes every connection; requests still waiting
  // for an answer are dropped. The handler is never called again, even
  // for a request whose read had completed (if the io_context runs on).
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Listens on `address`, "HOST:PORT" with HOST 127.0.0.1 (or any
  // 127.x.y.z), localhost or [::1], and PORT 0 for any free port; starts
  // accepting (on the io_context) and returns the base URL,
  // "http://127.0.0.1:PORT". Errors: InvalidParameterValue (not a
  // loopback address, a bad port, the address in use, already bound).
  Result<std::string> Bind(const std::string& address);

  // The base URL Bind returned; "" before.
  const std::string& url() const;
  // Connections open now.
  size_t connections() const;

  // Closes every connection past one of its timeouts at options.now().
  // The server calls it every timeout_tick on its own.
  void CheckTimeouts();

  // Internal: the state connections share (defined in the .cc file).
  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace fanlab::transport

#endif  // FANLAB_EMULATOR_TRANSPORT_HTTP_SERVER_H_
