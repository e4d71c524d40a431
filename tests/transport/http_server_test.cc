// HttpServer on 127.0.0.1 port 0 with its io_context on a thread, driven
// by raw socket clients: keep-alive, slow and stalled clients, the limits
// (413, 431, 400), 100-continue, HEAD, deferred and dropped answers.
#include "emulator/transport/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <functional>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "emulator/queue/sqs_errors.h"
#include "tests/transport/http_test_util.h"
#include "tests/transport/loop_util.h"

namespace fanlab::transport {
namespace {

namespace json = boost::json;
using testing::RawConnection;

// An HttpServer on its own io thread. The default handler answers 200
// with a JSON echo of the request; `hold` keeps the Respond instead;
// `answer`, when given, makes the answers.
class HttpServerFixture {
 public:
  using Answer = std::function<services::HttpResponse(services::HttpRequest)>;

  explicit HttpServerFixture(HttpServerOptions options = {},
                             Answer answer = nullptr) {
    server_ = std::make_unique<HttpServer>(
        io_,
        [this, answer](services::HttpRequest r, HttpServer::Respond respond) {
          ++requests_;
          if (hold_) {
            held_.push_back(std::move(respond));
            held_count_ = held_.size();
            return;
          }
          if (answer) return respond(answer(std::move(r)));
          json::object echo{{"method", r.method},
                            {"path", r.path},
                            {"query", r.query},
                            {"body", r.body},
                            {"source", r.source_ip}};
          for (const auto& [k, v] : r.headers) {
            if (k == "X-Test") echo["x-test"] = v;
          }
          respond({.status = 200,
                   .headers = {{"Content-Type", "application/json"}},
                   .body = json::serialize(echo)});
        },
        options);
    auto url = server_->Bind("127.0.0.1:0");
    EXPECT_TRUE(url.ok()) << url.status().ToString();
    url_ = url.ok() ? *url : "";
    port_ = testing::PortOf(url_);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~HttpServerFixture() {
    work_.reset();
    io_.stop();
    thread_.join();
    server_.reset();
  }

  // Runs `f` on the io thread and waits for it.
  template <typename F>
  auto OnLoop(F f) {
    return testing::RunOnLoop(io_, std::move(f));
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type>
      work_ = boost::asio::make_work_guard(io_);
  std::unique_ptr<HttpServer> server_;
  std::string url_;
  uint16_t port_ = 0;
  std::atomic<int> requests_{0};
  std::atomic<bool> hold_{false};
  std::vector<HttpServer::Respond> held_;  // io thread only
  std::atomic<size_t> held_count_{0};
  std::thread thread_;
};

json::object Echo(const RawConnection::Response& r) {
  return json::parse(r.body).as_object();
}

TEST(HttpServerTest, BindsLoopbackOnlyAndReportsThePort) {
  boost::asio::io_context io;
  HttpServer server(io, [](services::HttpRequest, HttpServer::Respond) {});
  for (const char* bad : {"0.0.0.0:0", "10.1.2.3:0", "example.com:0",
                          "127.0.0.1", "127.0.0.1:x", "127.0.0.1:70000"}) {
    auto r = server.Bind(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), sqs::kInvalidParameterValue);
  }
  auto url = server.Bind("localhost:0");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_TRUE(url->starts_with("http://127.0.0.1:"));
  EXPECT_NE(testing::PortOf(*url), 0);
  EXPECT_EQ(server.url(), *url);
  EXPECT_FALSE(server.Bind("127.0.0.1:0").ok());  // one listener
  HttpServer other(io, [](services::HttpRequest, HttpServer::Respond) {});
  auto taken = other.Bind("127.0.0.1:" + std::to_string(testing::PortOf(*url)));
  EXPECT_FALSE(taken.ok());
}

TEST(HttpServerTest, ServesSeveralRequestsOnOneConnection) {
  HttpServerFixture fx;
  RawConnection c(fx.port_);
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(
      c.Send("POST /a/b%20c?x=1&y HTTP/1.1\r\nHost: h\r\nX-Test: one\r\n"
             "Content-Length: 5\r\n\r\nhello"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->headers["content-type"], "application/json");
  json::object e = Echo(*r);
  EXPECT_EQ(e["method"], "POST");
  EXPECT_EQ(e["path"], "/a/b%20c");
  EXPECT_EQ(e["query"], "x=1&y");
  EXPECT_EQ(e["body"], "hello");
  EXPECT_EQ(e["source"], "127.0.0.1");
  EXPECT_EQ(e["x-test"], "one");
  // Keep-alive, and a pipelined pair answered in order.
  ASSERT_TRUE(
      c.Send("GET /two HTTP/1.1\r\nHost: h\r\n\r\n"
             "GET /three HTTP/1.1\r\nHost: h\r\n\r\n"));
  r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(Echo(*r)["path"], "/two");
  r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(Echo(*r)["path"], "/three");
  EXPECT_EQ(fx.requests_, 3);
  EXPECT_EQ(fx.OnLoop([&] { return fx.server_->connections(); }), 1u);
  // Connection: close is honoured.
  ASSERT_TRUE(
      c.Send("GET /bye HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
  r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->headers["connection"], "close");
  EXPECT_TRUE(c.Closed());
}

TEST(HttpServerTest, StalledClientsNeverBlockOthers) {
  HttpServerFixture fx;
  // Many clients send half a header and stop.
  std::vector<std::unique_ptr<RawConnection>> stalled;
  for (int i = 0; i < 40; ++i) {
    stalled.push_back(std::make_unique<RawConnection>(fx.port_));
    ASSERT_TRUE(stalled.back()->Send("GET /stalled HTTP/1.1\r\nHost: h\r\nX-"));
  }
  // One more sends its body a byte at a time.
  RawConnection dribble(fx.port_);
  ASSERT_TRUE(
      dribble.Send("POST /d HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
                   "\r\na"));
  for (int i = 0; i < 5; ++i) {
    RawConnection fast(fx.port_);
    ASSERT_TRUE(fast.Send("GET /fast HTTP/1.1\r\nHost: h\r\n\r\n"));
    auto r = fast.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(Echo(*r)["path"], "/fast");
  }
  EXPECT_EQ(fx.requests_, 5);
  // The stalled ones were only waiting: finishing them gets answers.
  ASSERT_TRUE(dribble.Send("bc"));
  auto r = dribble.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(Echo(*r)["body"], "abc");
  ASSERT_TRUE(stalled[7]->Send("Test: late\r\n\r\n"));
  r = stalled[7]->Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(Echo(*r)["x-test"], "late");
}

TEST(HttpServerTest, AStalledClientIsClosedAfterTheHeaderTimeout) {
  // The timeouts run on a fake time the test moves: no sleeping.
  auto now = std::make_shared<std::atomic<int64_t>>(0);
  HttpServerOptions options{.header_timeout = std::chrono::seconds(10)};
  options.now = [now] {
    return std::chrono::steady_clock::time_point(std::chrono::seconds(*now));
  };
  HttpServerFixture fx(options);
  RawConnection c(fx.port_);
  ASSERT_TRUE(c.Send("GET / HTTP/1.1\r\nHo"));
  // Wait for the server to have read it.
  while (fx.OnLoop([&] { return fx.server_->connections(); }) < 1) {
    std::this_thread::yield();
  }
  *now = 9;
  fx.OnLoop([&] {
    fx.server_->CheckTimeouts();
    return 0;
  });
  EXPECT_EQ(fx.OnLoop([&] { return fx.server_->connections(); }), 1u);
  *now = 10;
  fx.OnLoop([&] {
    fx.server_->CheckTimeouts();
    return 0;
  });
  EXPECT_TRUE(c.Closed());
  EXPECT_EQ(fx.requests_, 0);
}

TEST(HttpServerTest, OversizedBodyIs413BeforeItIsSent) {
  HttpServerFixture fx;
  RawConnection c(fx.port_);
  ASSERT_TRUE(c.Send(
      "POST /big HTTP/1.1\r\nHost: h\r\nContent-Length: 10485761\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->body, R"({"message":"Request Too Long"})");
  EXPECT_TRUE(c.Closed());
  EXPECT_EQ(fx.requests_, 0);
}

TEST(HttpServerTest, ChunkedBodyOverTheLimitIs413) {
  HttpServerFixture fx({.body_limit = 1000});
  RawConnection c(fx.port_);
  std::string chunk(600, 'x');
  ASSERT_TRUE(
      c.Send("POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
             "258\r\n" +
             chunk + "\r\n258\r\n" + chunk + "\r\n0\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  // Exactly at the limit is fine.
  RawConnection ok(fx.port_);
  ASSERT_TRUE(
      ok.Send("POST /c HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n" +
              std::string(1000, 'y')));
  r = ok.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(Echo(*r)["body"].as_string().size(), 1000u);
}

TEST(HttpServerTest, ALargeBodyRequestHasItsOwnBoundedLimit) {
  HttpServerOptions options{.body_limit = 1000};
  options.large_body_limit = 3000;
  options.large_body = [](const services::HttpRequest& head) {
    return head.path == "/large" &&
           services::FindHeader(head.headers, "X-Large") != nullptr;
  };
  HttpServerFixture fx(options);
  // Over a limit, a Content-Length request sends its head alone: the
  // answer comes before the body.
  auto post = [&](std::string path, std::string extra, size_t n,
                  bool chunked = false, bool send_body = true) {
    RawConnection c(fx.port_);
    std::string head = "POST " + path + " HTTP/1.1\r\nHost: h\r\n" + extra;
    if (chunked) {
      char size[16];
      snprintf(size, sizeof size, "%zx", n);
      EXPECT_TRUE(c.Send(head + "Transfer-Encoding: chunked\r\n\r\n" + size +
                         "\r\n" + std::string(n, 'x') + "\r\n0\r\n\r\n"));
    } else {
      EXPECT_TRUE(c.Send(head + "Content-Length: " + std::to_string(n) +
                         "\r\n\r\n" + (send_body ? std::string(n, 'x') : "")));
    }
    auto r = c.Read();
    return r ? r->status : 0;
  };
  EXPECT_EQ(post("/large", "X-Large: 1\r\n", 3000), 200);
  EXPECT_EQ(post("/large", "X-Large: 1\r\n", 3001, false, false), 413);
  EXPECT_EQ(post("/large", "X-Large: 1\r\n", 3001, true), 413);
  EXPECT_EQ(post("/large", "X-Large: 1\r\n", 2500, true), 200);
  // Every other request keeps body_limit, with or without a length.
  EXPECT_EQ(post("/large", "", 1000), 200);
  EXPECT_EQ(post("/large", "", 1001, false, false), 413);
  EXPECT_EQ(post("/other", "X-Large: 1\r\n", 1001, false, false), 413);
  EXPECT_EQ(post("/other", "", 1001, true), 413);
  EXPECT_EQ(post("/other", "", 1000, true), 200);
}

TEST(HttpServerTest, HugeHeadersAre431AndGarbageIs400) {
  HttpServerFixture fx({.header_limit = 1024});
  RawConnection big(fx.port_);
  ASSERT_TRUE(big.Send("GET / HTTP/1.1\r\nHost: h\r\nX-Big: " +
                       std::string(2000, 'a') + "\r\n\r\n"));
  auto r = big.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_TRUE(big.Closed());

  RawConnection bad(fx.port_);
  ASSERT_TRUE(bad.Send("THIS IS NOT HTTP\r\n\r\n"));
  r = bad.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->body, R"({"message":"Bad Request"})");
  EXPECT_TRUE(bad.Closed());

  RawConnection length(fx.port_);
  ASSERT_TRUE(
      length.Send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: x\r\n\r\n"));
  r = length.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(fx.requests_, 0);
}

TEST(HttpServerTest, ExpectContinueIsAnswered) {
  HttpServerFixture fx;
  RawConnection c(fx.port_);
  ASSERT_TRUE(
      c.Send("PUT /up HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
             "Content-Length: 4\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 100);
  ASSERT_TRUE(c.Send("data"));
  r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(Echo(*r)["body"], "data");
}

TEST(HttpServerTest, HeadGetsTheLengthButNoBody) {
  HttpServerFixture fx;
  RawConnection c(fx.port_);
  ASSERT_TRUE(c.Send("HEAD /h HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto r = c.Read(/*head=*/true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->headers["content-length"], "0");
  // No body bytes followed: the next answer parses cleanly.
  ASSERT_TRUE(c.Send("GET /after HTTP/1.1\r\nHost: h\r\n\r\n"));
  r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(Echo(*r)["path"], "/after");
}

TEST(HttpServerTest, AnswersMayComeLaterAndDroppedOnesClose) {
  HttpServerFixture fx;
  fx.hold_ = true;
  RawConnection first(fx.port_), second(fx.port_);
  ASSERT_TRUE(first.Send("GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_TRUE(second.Send("GET /2 HTTP/1.1\r\nHost: h\r\n\r\n"));
  while (fx.held_count_ < 2) std::this_thread::yield();
  fx.OnLoop([&] {
    // Answered twice: the second call does nothing.
    for (int i = 0; i < 2; ++i) {
      fx.held_[0]({.status = 201, .body = "later"});
    }
    fx.held_.erase(fx.held_.begin());
    return 0;
  });
  auto r = first.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, "later");
  // Nobody will answer /2: dropping its Respond closes the connection.
  fx.OnLoop([&] {
    fx.held_.clear();
    return 0;
  });
  EXPECT_TRUE(second.Closed());
}

TEST(HttpServerTest, AtTheCapTheLongestWaitingConnectionMakesRoom) {
  HttpServerFixture fx({.max_connections = 2});
  auto a = std::make_unique<RawConnection>(fx.port_);
  ASSERT_TRUE(a->Send("GET /a HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_TRUE(a->Read());
  RawConnection b(fx.port_);
  ASSERT_TRUE(b.Send("GET /b HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_TRUE(b.Read());
  // Both idle: a third client closes the one idle longest (a).
  RawConnection c(fx.port_);
  ASSERT_TRUE(c.Send("GET /c HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(Echo(*r)["path"], "/c");
  EXPECT_TRUE(a->Closed());
  ASSERT_TRUE(b.Send("GET /b2 HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_TRUE(b.Read());
  // Connections with the handler are never closed to make room: with
  // both slots waiting for answers, a new client is refused.
  fx.hold_ = true;
  ASSERT_TRUE(b.Send("GET /held HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_TRUE(c.Send("GET /held HTTP/1.1\r\nHost: h\r\n\r\n"));
  while (fx.held_count_ < 2) std::this_thread::yield();
  RawConnection d(fx.port_);
  EXPECT_TRUE(d.Closed());
  fx.OnLoop([&] {
    for (auto& respond : fx.held_) respond({.status = 200, .body = "{}"});
    fx.held_.clear();
    return 0;
  });
  ASSERT_TRUE(b.Read());
  ASSERT_TRUE(c.Read());
}

// Regression: Beast writes header names and values raw, so a handler's
// "X\r\nSet-Cookie: a=b" added a header (and could desync keep-alive),
// and a 1xx status went out as the final answer, leaving the client
// waiting for another.
TEST(HttpServerTest, UnsendableAnswersAre500NeverSplitOrInterim) {
  HttpServerFixture fx({}, [](services::HttpRequest r) {
    services::HttpResponse out{.status = 200, .body = "fine"};
    if (r.path == "/name") out.headers = {{"X\r\nSet-Cookie: a=b\r\nY", "v"}};
    if (r.path == "/empty") out.headers = {{"", "v"}};
    if (r.path == "/value") out.headers = {{"X-A", "a\x01b"}};
    if (r.path == "/del") out.headers = {{"X-A", "a\x7F"}};
    if (r.path == "/huge") out.headers = {{"X-A", std::string(70000, 'a')}};
    if (r.path == "/continue") out.status = 100;
    if (r.path == "/ok") out.headers = {{"X-Tab", "a\tb \xC3\xA9"}};
    return out;
  });
  RawConnection c(fx.port_);
  for (const char* path :
       {"/name", "/empty", "/value", "/del", "/huge", "/continue"}) {
    ASSERT_TRUE(
        c.Send("GET " + std::string(path) + " HTTP/1.1\r\nHost: h\r\n\r\n"));
    auto r = c.Read();
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 500) << path;
    EXPECT_EQ(r->body, R"({"message":"Internal server error"})") << path;
    EXPECT_EQ(r->headers.count("set-cookie"), 0u) << path;
    EXPECT_EQ(r->headers.count("x-a"), 0u) << path;
  }
  // The connection is still in step: the next answer is the next one.
  ASSERT_TRUE(c.Send("GET /ok HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->headers["x-tab"], "a\tb \xC3\xA9");
  EXPECT_EQ(r->body, "fine");
}

// Regression: a read that completed just before ~HttpServer still ran
// Dispatch, and so the handler (in the engine, a pointer to its front),
// when the io_context ran again.
TEST(HttpServerTest, DestroyedServerNeverHandlesAReadThatCompletedBefore) {
  boost::asio::io_context io;
  std::unique_ptr<HttpServer> server;
  int handled = 0;
  bool after_destruction = false;
  server = std::make_unique<HttpServer>(
      io, [&](services::HttpRequest, HttpServer::Respond respond) {
        ++handled;
        after_destruction = after_destruction || server == nullptr;
        if (handled > 1) return;
        // Answered later, after the server is gone.
        boost::asio::post(io, [&, respond] {
          server.reset();
          respond({.status = 200, .body = "first"});
        });
      });
  auto url = server->Bind("127.0.0.1:0");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  RawConnection c(testing::PortOf(*url));
  ASSERT_TRUE(
      c.Send("GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
             "GET /2 HTTP/1.1\r\nHost: h\r\n\r\n"));
  // Runs until there is no work left: the server is gone by then.
  io.run_for(std::chrono::seconds(10));
  EXPECT_EQ(server, nullptr);
  EXPECT_EQ(handled, 1);
  EXPECT_FALSE(after_destruction);
  // Its connections closed with it, the late answer unsent.
  EXPECT_TRUE(c.Closed());
}

}  // namespace
}  // namespace fanlab::transport
