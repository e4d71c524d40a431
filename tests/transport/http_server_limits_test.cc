// HttpServer's limits under abuse: header field count, the header, body,
// idle and write timeouts (on a fake time the test moves: nothing sleeps
// for a timeout), and the connection cap, where 512 idle or slowloris
// connections must not lock out client 513, with the process's RSS held
// under a stated bound while the abuse runs.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "emulator/transport/http_server.h"
#include "tests/transport/http_test_util.h"
#include "tests/transport/loop_util.h"

namespace fanlab::transport {
namespace {

using std::chrono::seconds;
using testing::RawConnection;

// Resident set of this process (server and clients), in bytes.
size_t RssBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) {
      return std::stoull(line.substr(6)) * 1024;
    }
  }
  return 0;
}

// An HttpServer on its own io thread whose timeouts read `now_` (whole
// seconds). The handler answers 200 with the request's path, or holds
// the Respond when hold_ is set, or answers big_ bytes when set.
class LimitsFixture {
 public:
  explicit LimitsFixture(HttpServerOptions options = {}) {
    options.now = [this] {
      return std::chrono::steady_clock::time_point(seconds(now_.load()));
    };
    server_ = std::make_unique<HttpServer>(
        io_,
        [this](services::HttpRequest r, HttpServer::Respond respond) {
          ++requests_;
          if (hold_) {
            held_.push_back(std::move(respond));
            return;
          }
          if (big_ > 0) {
            return respond({.status = 200, .body = std::string(big_, 'b')});
          }
          respond({.status = 200, .body = r.path});
        },
        std::move(options));
    auto url = server_->Bind("127.0.0.1:0");
    EXPECT_TRUE(url.ok()) << url.status().ToString();
    port_ = url.ok() ? testing::PortOf(*url) : 0;
    thread_ = std::thread([this] { io_.run(); });
  }
  template <typename F>
  auto OnLoop(F f) {
    return testing::RunOnLoop(io_, std::move(f));
  }
  ~LimitsFixture() {
    OnLoop([&] {
      held_.clear();
      server_.reset();
      return 0;
    });
    work_.reset();
    io_.stop();
    thread_.join();
  }

  size_t Connections() {
    return OnLoop([&] { return server_->connections(); });
  }
  // Moves the fake time to `t` seconds and checks the timeouts.
  void At(int64_t t) {
    now_ = t;
    OnLoop([&] {
      server_->CheckTimeouts();
      return 0;
    });
  }
  void WaitForConnections(size_t n) {
    while (Connections() != n) std::this_thread::yield();
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type>
      work_ = boost::asio::make_work_guard(io_);
  std::unique_ptr<HttpServer> server_;
  uint16_t port_ = 0;
  std::atomic<int64_t> now_{0};
  std::atomic<int> requests_{0};
  std::atomic<bool> hold_{false};
  std::atomic<size_t> big_{0};
  std::vector<HttpServer::Respond> held_;  // io thread only
  std::thread thread_;
};

std::string Get(std::string_view path) {
  return "GET " + std::string(path) + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
}

TEST(HttpServerLimitsTest, HeaderFieldsPastTheCountAre431) {
  LimitsFixture fx({.header_count = 5});
  auto fields = [](int n) {
    std::string s = "GET /f HTTP/1.1\r\n";
    for (int i = 0; i < n; ++i) s += "X-" + std::to_string(i) + ": v\r\n";
    return s + "\r\n";
  };
  RawConnection ok(fx.port_);
  ASSERT_TRUE(ok.Send(fields(5)));
  auto r = ok.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  RawConnection many(fx.port_);
  ASSERT_TRUE(many.Send(fields(6)));
  r = many.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_TRUE(many.Closed());
  EXPECT_EQ(fx.requests_, 1);
}

TEST(HttpServerLimitsTest, ChunkLinesAndTrailersAreBounded) {
  LimitsFixture fx({.header_limit = 1024});
  const std::string head =
      "POST /c HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked"
      "\r\n\r\n";
  // A chunk-size line past 4 KB (endless extensions) is malformed.
  RawConnection line(fx.port_);
  ASSERT_TRUE(line.Send(head + "5;" + std::string(5000, 'e')));
  auto r = line.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  // Trailer fields count against the header limit.
  RawConnection trailers(fx.port_);
  ASSERT_TRUE(trailers.Send(
      head + "3\r\nabc\r\n0\r\nX-T: " + std::string(2000, 't') + "\r\n\r\n"));
  r = trailers.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  // Within both, the body is the chunks' bytes.
  RawConnection ok(fx.port_);
  ASSERT_TRUE(
      ok.Send(head + "3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-T: t\r\n\r\n"));
  r = ok.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(fx.requests_, 1);
}

TEST(HttpServerLimitsTest, SlowlorisIsCutAtTheHeaderTimeoutWhateverItsPace) {
  LimitsFixture fx({.header_timeout = seconds(10)});
  RawConnection c(fx.port_);
  fx.WaitForConnections(1);
  // One byte every 3 s: progress does not extend a head's deadline.
  std::string request = Get("/slow");
  for (int t = 0; t < 10; t += 3) {
    fx.At(t);
    ASSERT_TRUE(c.Send(request.substr(t / 3, 1)));
  }
  fx.At(9);
  EXPECT_EQ(fx.Connections(), 1u);
  fx.At(10);
  EXPECT_TRUE(c.Closed());
  EXPECT_EQ(fx.requests_, 0);
}

TEST(HttpServerLimitsTest, AConnectionThatNeverSendsIsCutAtTheHeaderTimeout) {
  LimitsFixture fx({.header_timeout = seconds(10)});
  RawConnection c(fx.port_);
  fx.WaitForConnections(1);
  fx.At(9);
  EXPECT_EQ(fx.Connections(), 1u);
  fx.At(10);
  EXPECT_TRUE(c.Closed());
}

TEST(HttpServerLimitsTest, IdleKeepAliveClosesAfterTheIdleTimeout) {
  LimitsFixture fx({.header_timeout = seconds(5), .idle_timeout = seconds(20)});
  RawConnection c(fx.port_);
  ASSERT_TRUE(c.Send(Get("/one")));
  ASSERT_TRUE(c.Read());
  // Idle from 0: the header timeout does not apply between requests.
  fx.At(19);
  EXPECT_EQ(fx.Connections(), 1u);
  ASSERT_TRUE(c.Send(Get("/two")));  // at 19: idle again from 19
  ASSERT_TRUE(c.Read());
  fx.At(38);
  EXPECT_EQ(fx.Connections(), 1u);
  fx.At(39);
  EXPECT_TRUE(c.Closed());
}

TEST(HttpServerLimitsTest, APausedBodyClosesAfterTheReadTimeout) {
  LimitsFixture fx({.header_timeout = seconds(5), .read_timeout = seconds(30)});
  RawConnection c(fx.port_);
  // The interim answer says the head was read (at 0).
  ASSERT_TRUE(
      c.Send("POST /b HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\n"
             "Content-Length: 3\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 100);
  // Within a body the header timeout no longer applies.
  fx.At(29);
  EXPECT_EQ(fx.Connections(), 1u);
  fx.At(30);
  EXPECT_TRUE(c.Closed());
  EXPECT_EQ(fx.requests_, 0);
}

TEST(HttpServerLimitsTest, AReaderThatNeverReadsIsClosedAfterTheWriteTimeout) {
  LimitsFixture fx({.write_timeout = seconds(30)});
  fx.big_ = 32 << 20;  // far more than the socket buffers hold
  RawConnection c(fx.port_);
  ASSERT_TRUE(c.Send(Get("/big")));
  while (fx.requests_ == 0) std::this_thread::yield();
  fx.OnLoop([] { return 0; });  // the answer's write has begun, at 0
  fx.At(29);
  EXPECT_EQ(fx.Connections(), 1u);
  fx.At(30);
  EXPECT_EQ(fx.Connections(), 0u);
}

// The limit the RSS tests hold: what 513 connections may cost the
// process (server and test clients together) while the abuse runs.
constexpr size_t kRssBound = size_t{48} << 20;

TEST(HttpServerLimitsTest, FiveHundredTwelveIdleConnectionsDoNotLockOutMore) {
  LimitsFixture fx;  // max_connections 512
  const size_t rss_before = RssBytes();
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 512; ++i) {
    idle.push_back(std::make_unique<RawConnection>(fx.port_));
    ASSERT_TRUE(idle.back()->Send(Get("/idle")));
    ASSERT_TRUE(idle.back()->Read()) << i;
  }
  EXPECT_EQ(fx.Connections(), 512u);
  // Client 513 is served: the longest idle connection made room.
  RawConnection next(fx.port_);
  ASSERT_TRUE(next.Send(Get("/next")));
  auto r = next.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "/next");
  EXPECT_TRUE(idle[0]->Closed());
  EXPECT_EQ(fx.Connections(), 512u);
  const size_t rss = RssBytes();
  EXPECT_LT(rss - std::min(rss, rss_before), kRssBound)
      << "RSS " << rss_before << " -> " << rss;
}

TEST(HttpServerLimitsTest, FiveHundredTwelveSlowlorisDoNotLockOutMore) {
  LimitsFixture fx({.header_timeout = seconds(10)});
  const size_t rss_before = RssBytes();
  std::vector<std::unique_ptr<RawConnection>> slow;
  // Each has sent most of a large head, and will send a byte now and then.
  const std::string part = "GET /slow HTTP/1.1\r\nHost: localhost\r\nX-Pad: " +
                           std::string(12000, 'p');
  for (int i = 0; i < 512; ++i) {
    slow.push_back(std::make_unique<RawConnection>(fx.port_));
    ASSERT_TRUE(slow.back()->Send(part));
  }
  fx.WaitForConnections(512);
  fx.At(5);
  for (auto& c : slow) ASSERT_TRUE(c->Send("p"));
  RawConnection next(fx.port_);
  ASSERT_TRUE(next.Send(Get("/next")));
  auto r = next.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "/next");
  const size_t rss = RssBytes();
  EXPECT_LT(rss - std::min(rss, rss_before), kRssBound)
      << "RSS " << rss_before << " -> " << rss;
  // At the header timeout every slow one is gone; the served one stays.
  fx.At(10);
  EXPECT_EQ(fx.Connections(), 1u);
  EXPECT_EQ(fx.requests_, 1);
}

TEST(HttpServerLimitsTest, ConnectionsWithTheHandlerAreNeverEvicted) {
  LimitsFixture fx({.max_connections = 8});
  fx.hold_ = true;
  std::vector<std::unique_ptr<RawConnection>> busy;
  for (int i = 0; i < 8; ++i) {
    busy.push_back(std::make_unique<RawConnection>(fx.port_));
    ASSERT_TRUE(busy.back()->Send(Get("/busy")));
  }
  while (fx.requests_ < 8) std::this_thread::yield();
  RawConnection refused(fx.port_);
  EXPECT_TRUE(refused.Closed());
  // And no timeout cuts a request the handler works on.
  fx.At(3600);
  EXPECT_EQ(fx.Connections(), 8u);
}

TEST(HttpServerLimitsTest, OversizedHeadersFromEveryConnectionStayBounded) {
  LimitsFixture fx;  // header_limit 16 KB
  const size_t rss_before = RssBytes();
  std::vector<std::unique_ptr<RawConnection>> floods;
  const std::string flood =
      "GET / HTTP/1.1\r\nX-Flood: " + std::string(64 * 1024, 'f');
  for (int i = 0; i < 256; ++i) {
    floods.push_back(std::make_unique<RawConnection>(fx.port_));
    ASSERT_TRUE(floods.back()->Send(flood));
  }
  for (auto& c : floods) {
    auto r = c->Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 431);
  }
  const size_t rss = RssBytes();
  EXPECT_LT(rss - std::min(rss, rss_before), kRssBound)
      << "RSS " << rss_before << " -> " << rss;
  EXPECT_EQ(fx.requests_, 0);
}

}  // namespace
}  // namespace fanlab::transport
