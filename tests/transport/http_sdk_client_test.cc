// The function SDK's HTTP helper (sdk::HttpRequest / HttpPost, blocking,
// POSIX sockets) against fanlab's HttpServer on its own thread, and
// against a raw socket server for the reply shapes fanlab never sends
// (chunked, close-delimited).
#include <fanlab/function.h>
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <thread>

#include "emulator/transport/http_server.h"

namespace fanlab::transport {
namespace {

// fanlab's server, answering "<method> <path> <body>" with status 207,
// or never for /never.
class HttpSdkClientTest : public ::testing::Test {
 protected:
  HttpSdkClientTest() {
    server_ = std::make_unique<HttpServer>(
        io_, [this](services::HttpRequest r, HttpServer::Respond respond) {
          if (r.path == "/never") {
            held_.push_back(std::move(respond));
            return;
          }
          const std::string* type =
              services::FindHeader(r.headers, "Content-Type");
          respond({.status = 207,
                   .headers = {{"X-Got-Type", type ? *type : "none"}},
                   .body = r.method + " " + r.path + " " + r.body});
        });
    base_ = *server_->Bind("127.0.0.1:0");
    thread_ = std::thread([this] { io_.run(); });
  }
  ~HttpSdkClientTest() override {
    work_.reset();
    io_.stop();
    thread_.join();
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type>
      work_ = boost::asio::make_work_guard(io_);
  std::unique_ptr<HttpServer> server_;
  std::vector<HttpServer::Respond> held_;  // io thread only
  std::string base_;
  std::thread thread_;
};

TEST_F(HttpSdkClientTest, PostsAndReadsTheReply) {
  sdk::HttpResult r = sdk::HttpPost(base_ + "/cb?x=1", R"({"status":"ok"})",
                                    {{"Content-Type", "application/json"}});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.status, 207);
  EXPECT_EQ(r.body, R"(POST /cb {"status":"ok"})");
  EXPECT_EQ(r.Header("x-got-type"), "application/json");
  r = sdk::HttpRequest("GET", base_ + "/g");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.body, "GET /g ");
  r = sdk::HttpRequest("HEAD", base_ + "/h");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.status, 207);
  EXPECT_EQ(r.body, "");
}

TEST_F(HttpSdkClientTest, ErrorsAreValuesNeverExceptions) {
  sdk::HttpResult r = sdk::HttpPost("https://127.0.0.1/", "");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.error.find("http://"), std::string::npos) << r.error;
  EXPECT_FALSE(sdk::HttpPost("http://127.0.0.1:notaport/", "").ok());
  EXPECT_FALSE(sdk::HttpPost(base_ + "/x", "", {{"X-Bad", "a\r\nb"}}).ok());

  // Refused: a port just released.
  std::string closed;
  {
    boost::asio::io_context io;
    HttpServer gone(io, [](services::HttpRequest, HttpServer::Respond) {});
    closed = *gone.Bind("127.0.0.1:0");
  }
  r = sdk::HttpPost(closed + "/x", "body");
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("cannot connect"), std::string::npos) << r.error;

  // No answer within the timeout.
  r = sdk::HttpPost(base_ + "/never", "", {}, /*timeout_ms=*/50);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("within 50 ms"), std::string::npos) << r.error;
}

// A one-shot raw server: accepts one connection, reads the request head,
// writes `reply` and closes.
class RawServer {
 public:
  explicit RawServer(std::string reply) : reply_(std::move(reply)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 1), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string in;
      char buf[4096];
      while (in.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        in.append(buf, static_cast<size_t>(n));
      }
      ::send(c, reply_.data(), reply_.size(), MSG_NOSIGNAL);
      ::close(c);
    });
  }
  ~RawServer() {
    thread_.join();
    ::close(fd_);
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/";
  }

 private:
  std::string reply_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
};

TEST(HttpSdkRawReplyTest, ChunkedAndCloseDelimitedBodies) {
  {
    RawServer s(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n");
    sdk::HttpResult r = sdk::HttpRequest("GET", s.url());
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.body, "hello, world");
  }
  {
    RawServer s("HTTP/1.0 201 Created\r\nX-A: b\r\n\r\nuntil the close");
    sdk::HttpResult r = sdk::HttpRequest("GET", s.url());
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(r.Header("X-A"), "b");
    EXPECT_EQ(r.body, "until the close");
  }
  {
    RawServer s("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort");
    sdk::HttpResult r = sdk::HttpRequest("GET", s.url());
    EXPECT_FALSE(r.ok());
  }
  {
    RawServer s("SSH-2.0-OpenSSH\r\n\r\n");
    sdk::HttpResult r = sdk::HttpRequest("GET", s.url());
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.error.find("not an HTTP reply"), std::string::npos) << r.error;
  }
}

}  // namespace
}  // namespace fanlab::transport
