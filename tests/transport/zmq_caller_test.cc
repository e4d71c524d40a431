// The optional access-key-id frame of fanlab's ZeroMQ requests: the server
// hands it to its handler (access_key_id()), the C++ client sends it, a
// request without it is served as before, and an oversized one is refused
// in the protocol's error shape. (The function SDK sends it over the
// function socket: tests/functions/sdk_test.cc.)
#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "emulator/transport/client.h"
#include "emulator/transport/zmq_server.h"

namespace fanlab::transport {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;

// A ZmqServer on its own thread that answers every request with the
// access key id it carried, as {"key": "..."}.
class KeyEchoServer {
 public:
  KeyEchoServer()
      : server_(
            io_, context_,
            [this](std::string_view, std::string_view, api::ApiCallback done) {
              json::object body{{"key", server_.access_key_id()}};
              done(api::ApiResponse{.ok = true, .body = json::serialize(body)});
            }) {
    auto bound = server_.Bind("tcp://127.0.0.1:*");
    EXPECT_TRUE(bound.ok()) << bound.status().ToString();
    endpoint_ = bound.ok() ? *bound : "";
    server_.Start();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~KeyEchoServer() {
    work_.reset();
    io_.stop();
    thread_.join();
  }
  Context& context() { return context_; }
  const std::string& endpoint() const { return endpoint_; }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type>
      work_ = boost::asio::make_work_guard(io_);
  Context context_;
  ZmqServer server_;
  std::string endpoint_;
  std::thread thread_;
};

std::string KeyOf(const std::string& body) {
  return std::string(json::parse(body).at("key").as_string());
}

// Sends `frames` on a fresh socket of `type` and returns the reply's frames.
std::vector<std::string> RoundTrip(KeyEchoServer& server, zmq::socket_type type,
                                   const std::vector<std::string>& frames) {
  zmq::socket_t s(server.context().zmq(), type);
  s.set(zmq::sockopt::linger, 0);
  s.set(zmq::sockopt::rcvtimeo, 10000);
  s.connect(server.endpoint());
  for (size_t i = 0; i < frames.size(); ++i) {
    s.send(zmq::buffer(frames[i]), i + 1 < frames.size()
                                       ? zmq::send_flags::sndmore
                                       : zmq::send_flags::none);
  }
  std::vector<std::string> reply;
  zmq::message_t part;
  do {
    if (!s.recv(part)) break;
    reply.push_back(part.to_string());
  } while (part.more());
  return reply;
}

TEST(ZmqCallerTest, TheLastFrameNamesTheCallerAndIsOptional) {
  KeyEchoServer server;
  auto dealer = RoundTrip(server, zmq::socket_type::dealer,
                          {"1", "ListQueues", "{}", "FLENV000000000000007"});
  ASSERT_EQ(dealer.size(), 3u);
  EXPECT_EQ(dealer[1], "ok");
  EXPECT_EQ(KeyOf(dealer[2]), "FLENV000000000000007");
  // Without it (every client before the frame existed): served, no key.
  auto plain =
      RoundTrip(server, zmq::socket_type::dealer, {"2", "ListQueues", "{}"});
  ASSERT_EQ(plain.size(), 3u);
  EXPECT_EQ(plain[1], "ok");
  EXPECT_EQ(KeyOf(plain[2]), "");
  // An empty frame is the same as none.
  auto empty = RoundTrip(server, zmq::socket_type::dealer,
                         {"3", "ListQueues", "{}", ""});
  ASSERT_EQ(empty.size(), 3u);
  EXPECT_EQ(KeyOf(empty[2]), "");
  // REQ peers may send it too.
  auto req = RoundTrip(server, zmq::socket_type::req,
                       {"ListQueues", "{}", "FLENV000000000000009"});
  ASSERT_EQ(req.size(), 2u);
  EXPECT_EQ(req[0], "ok");
  EXPECT_EQ(KeyOf(req[1]), "FLENV000000000000009");
}

TEST(ZmqCallerTest, AKeyOver128BytesAndExtraFramesAreRefused) {
  KeyEchoServer server;
  const std::string longest(ZmqServer::kMaxAccessKeyIdSize, 'K');
  auto ok = RoundTrip(server, zmq::socket_type::dealer,
                      {"1", "ListQueues", "{}", longest});
  ASSERT_EQ(ok.size(), 3u);
  EXPECT_EQ(KeyOf(ok[2]), longest);

  auto too_long = RoundTrip(server, zmq::socket_type::dealer,
                            {"2", "ListQueues", "{}", longest + "K"});
  ASSERT_EQ(too_long.size(), 3u);
  EXPECT_EQ(too_long[0], "2");
  EXPECT_EQ(too_long[1], "error");
  json::object error = json::parse(too_long[2]).as_object();
  EXPECT_EQ(error.at("__type"),
            "com.amazon.coral.service#SerializationException");
  EXPECT_EQ(error.at("message"),
            "The access-key-id frame is 129 bytes; at most 128 are allowed.");

  auto extra = RoundTrip(server, zmq::socket_type::dealer,
                         {"3", "ListQueues", "{}", "key", "more"});
  ASSERT_EQ(extra.size(), 3u);
  EXPECT_EQ(extra[1], "error");
  EXPECT_EQ(json::parse(extra[2]).at("message"),
            "Expected the frames [request-id][action][json-body] and "
            "optionally [access-key-id], got 5 frames.");
}

// setenv/unsetenv of AWS_ACCESS_KEY_ID around a test, restored after.
class AccessKeyEnv {
 public:
  explicit AccessKeyEnv(const char* value) {
    if (const char* old = std::getenv("AWS_ACCESS_KEY_ID")) saved_ = old;
    if (value != nullptr) {
      ::setenv("AWS_ACCESS_KEY_ID", value, 1);
    } else {
      ::unsetenv("AWS_ACCESS_KEY_ID");
    }
  }
  ~AccessKeyEnv() {
    if (saved_) {
      ::setenv("AWS_ACCESS_KEY_ID", saved_->c_str(), 1);
    } else {
      ::unsetenv("AWS_ACCESS_KEY_ID");
    }
  }

 private:
  std::optional<std::string> saved_;
};

TEST(ZmqCallerTest, TheClientSendsItsEnvironmentsKeyOrTheOneGiven) {
  KeyEchoServer server;
  auto key_of = [](Client& c) {
    auto r = c.Call("ListQueues", "{}", milliseconds(10000));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? KeyOf(r->body) : "<no reply>";
  };
  {
    AccessKeyEnv env("FLENV000000000000003");
    Client from_env(server.context(), server.endpoint(), "");
    EXPECT_EQ(key_of(from_env), "FLENV000000000000003");
    Client none(server.context(), server.endpoint(), "", "");
    EXPECT_EQ(key_of(none), "");
    Client given(server.context(), server.endpoint(), "", "AKIDGIVEN");
    EXPECT_EQ(key_of(given), "AKIDGIVEN");
  }
  {
    // Longer than the server takes: not an environment's, not sent.
    AccessKeyEnv env(std::string(129, 'K').c_str());
    Client too_long(server.context(), server.endpoint(), "");
    EXPECT_EQ(key_of(too_long), "");
  }
  AccessKeyEnv unset(nullptr);
  Client outside(server.context(), server.endpoint(), "");
  EXPECT_EQ(key_of(outside), "");
}

}  // namespace
}  // namespace fanlab::transport
