// The HTTP/1.1 request parser of transport::HttpServer (request line,
// headers, Content-Length and chunked bodies, pipelining, Expect,
// the limits), fed over a real loopback connection: the parser lives
// inside the server's connections, and this is its public way in. The
// first byte picks where the input is cut in two writes (so that a request
// may arrive in pieces); the rest is what the client sends before it shuts
// its side down. The server answers each request at once; the client reads
// until the server closes, which must happen within 5 s (the server's own
// timeouts are far longer, so a parse that waits for bytes that cannot
// come shows as a hang).
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <string_view>

#include "emulator/transport/http_server.h"
#include "fuzz/fuzz_input.h"

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct Server {
  asio::io_context io;
  fanlab::transport::HttpServer http{
      io,
      [](fanlab::services::HttpRequest r,
         fanlab::transport::HttpServer::Respond respond) {
        respond({.status = 200,
                 .headers = {{"Content-Type", "text/plain"}},
                 .body = r.method + " " + r.path + "?" + r.query + " " +
                         std::to_string(r.headers.size()) + " " + r.body});
      },
      [] {
        fanlab::transport::HttpServerOptions o;
        o.body_limit = 64 * 1024;
        return o;
      }()};
  tcp::endpoint endpoint;

  Server() {
    auto url = http.Bind("127.0.0.1:0");
    if (!url.ok()) std::abort();
    std::string_view u = *url;
    int port = std::stoi(std::string(u.substr(u.rfind(':') + 1)));
    endpoint = tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                             static_cast<unsigned short>(port));
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Server* server = new Server;
  fanlab::fuzz::FuzzInput in(data, size);
  size_t cut = in.Byte();
  std::string_view bytes = in.Rest();
  cut = cut % (bytes.size() + 1);

  tcp::socket client(server->io);
  boost::system::error_code ec;
  client.connect(server->endpoint, ec);
  // Out of local ports or the like: the machine's state, not the parser's.
  if (ec) return 0;
  // Closed with a reset, so that the client's side leaves no TIME_WAIT
  // behind: thousands of connections a second would use up the ports.
  client.set_option(asio::socket_base::linger(true, 0), ec);
  // The server reads what it can between the two writes; a write the
  // server refuses midway (it closed after an error) is fine.
  asio::write(client, asio::buffer(bytes.substr(0, cut)), ec);
  server->io.poll();
  if (!ec) asio::write(client, asio::buffer(bytes.substr(cut)), ec);
  client.shutdown(tcp::socket::shutdown_send, ec);

  bool closed = false;
  std::string answer;
  char buffer[4096];
  std::function<void(boost::system::error_code, size_t)> on_read =
      [&](boost::system::error_code e, size_t n) {
        answer.append(buffer, n);
        if (e) {
          closed = true;
          return;
        }
        client.async_read_some(asio::buffer(buffer), on_read);
      };
  client.async_read_some(asio::buffer(buffer), on_read);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!closed && std::chrono::steady_clock::now() < deadline) {
    server->io.run_one_for(std::chrono::milliseconds(100));
  }
  if (!closed) {
    std::fprintf(stderr, "the server kept the connection open for 5 s\n");
    std::abort();
  }
  return 0;
}
