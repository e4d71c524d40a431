// The engine served over ZeroMQ: one fixture runs an Engine on its own
// thread and hands out clients, over inproc:// and tcp://127.0.0.1:* (the
// port read back from the socket, never fixed).
#include "emulator/engine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <thread>
#include <zmq.hpp>

#include "emulator/transport/client.h"

namespace fanlab::transport {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

enum class Transport { kInproc, kTcp };

std::string QueueUrl(const std::string& name) {
  return "http://localhost/000000000000/" + name;
}

json::object Parse(const std::string& body) {
  return json::parse(body).as_object();
}

class EngineFixture {
 public:
  EngineFixture(Transport transport, bool virtual_clock) {
    EngineOptions options;
    options.virtual_clock = virtual_clock;
    engine_ = std::make_unique<Engine>(options, context_);
    static std::atomic<int> counter{0};
    std::string endpoint =
        transport == Transport::kInproc
            ? "inproc://engine-test-" + std::to_string(counter++)
            : "tcp://127.0.0.1:*";
    auto bound = engine_->Bind(endpoint);
    EXPECT_TRUE(bound.ok()) << bound.status().ToString();
    endpoint_ = bound.ok() ? *bound : "";
    thread_ = std::thread([this] { engine_->Run(); });
  }
  ~EngineFixture() {
    engine_->Stop();
    thread_.join();
  }

  std::unique_ptr<Client> NewClient() {
    return std::make_unique<Client>(context_, endpoint_);
  }

  // A call that must succeed; returns the parsed body.
  json::object Ok(Client& c, std::string_view action,
                  const json::object& body) {
    auto r = c.Call(action, json::serialize(body), milliseconds(10000));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return {};
    EXPECT_TRUE(r->ok) << action << ": " << r->body;
    return Parse(r->body);
  }

  Context context_;
  std::unique_ptr<Engine> engine_;
  std::string endpoint_;
  std::thread thread_;
};

class EngineTest : public ::testing::TestWithParam<Transport> {
 protected:
  EngineFixture fx_{GetParam(), /*virtual_clock=*/false};
};

TEST_P(EngineTest, SendReceiveDeleteRoundTrip) {
  auto c = fx_.NewClient();
  auto created = fx_.Ok(*c, "CreateQueue", {{"QueueName", "jobs"}});
  EXPECT_EQ(std::string(created.at("QueueUrl").as_string()), QueueUrl("jobs"));
  auto sent =
      fx_.Ok(*c, "SendMessage",
             {{"QueueUrl", QueueUrl("jobs")}, {"MessageBody", "hello"}});
  EXPECT_EQ(sent.at("MD5OfMessageBody").as_string(),
            "5d41402abc4b2a76b9719d911017c592");
  auto got = fx_.Ok(*c, "ReceiveMessage", {{"QueueUrl", QueueUrl("jobs")}});
  auto& messages = got.at("Messages").as_array();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].at("Body").as_string(), "hello");
  EXPECT_EQ(messages[0].at("MessageId"), sent.at("MessageId"));
  fx_.Ok(*c, "DeleteMessage",
         {{"QueueUrl", QueueUrl("jobs")},
          {"ReceiptHandle", messages[0].at("ReceiptHandle")}});
  auto attrs = fx_.Ok(
      *c, "GetQueueAttributes",
      {{"QueueUrl", QueueUrl("jobs")}, {"AttributeNames", json::array{"All"}}});
  EXPECT_EQ(attrs.at("Attributes").at("ApproximateNumberOfMessages"), "0");
  EXPECT_EQ(attrs.at("Attributes").at("ApproximateNumberOfMessagesNotVisible"),
            "0");
}

TEST_P(EngineTest, ErrorsComeBackWithErrorStatusAndType) {
  auto c = fx_.NewClient();
  auto r = c->Call("GetQueueUrl", R"({"QueueName":"missing"})");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(Parse(r->body).at("__type"), "com.amazonaws.sqs#QueueDoesNotExist");
  r = c->Call("NoSuchAction", "{}");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(Parse(r->body).at("__type"),
            "com.amazon.coral.service#UnknownOperationException");
  r = c->Call("CreateQueue", "{\"QueueName\":");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(Parse(r->body).at("__type"),
            "com.amazon.coral.service#SerializationException");
  // The engine still serves.
  fx_.Ok(*c, "ListQueues", {});
}

TEST_P(EngineTest, ReqClientGetsTwoFrameReplies) {
  zmq::socket_t req(fx_.context_.zmq(), zmq::socket_type::req);
  req.set(zmq::sockopt::linger, 0);
  req.set(zmq::sockopt::rcvtimeo, 10000);
  req.connect(fx_.endpoint_);
  req.send(zmq::str_buffer("CreateQueue"), zmq::send_flags::sndmore);
  req.send(zmq::str_buffer(R"({"QueueName":"viareq"})"));
  zmq::message_t status, body;
  ASSERT_TRUE(req.recv(status));
  ASSERT_TRUE(status.more());
  ASSERT_TRUE(req.recv(body));
  EXPECT_FALSE(body.more());
  EXPECT_EQ(status.to_string(), "ok");
  EXPECT_EQ(Parse(body.to_string()).at("QueueUrl").as_string(),
            QueueUrl("viareq"));
}

TEST_P(EngineTest, WrongFrameCountIsASerializationError) {
  zmq::socket_t dealer(fx_.context_.zmq(), zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 0);
  dealer.set(zmq::sockopt::rcvtimeo, 10000);
  dealer.connect(fx_.endpoint_);
  dealer.send(zmq::str_buffer("7"), zmq::send_flags::sndmore);
  dealer.send(zmq::str_buffer("ListQueues"));  // body frame missing
  zmq::message_t id, status, body;
  ASSERT_TRUE(dealer.recv(id));
  ASSERT_TRUE(dealer.recv(status));
  ASSERT_TRUE(dealer.recv(body));
  EXPECT_EQ(id.to_string(), "7");
  EXPECT_EQ(status.to_string(), "error");
  auto error = Parse(body.to_string());
  EXPECT_EQ(error.at("__type"),
            "com.amazon.coral.service#SerializationException");
  EXPECT_NE(std::string(error.at("message").as_string()).find("frames"),
            std::string::npos);
}

TEST_P(EngineTest, PipelinedRequestsAllGetTheirReplies) {
  auto c = fx_.NewClient();
  fx_.Ok(*c, "CreateQueue", {{"QueueName", "pipe"}});
  const std::string send = json::serialize(
      json::object{{"QueueUrl", QueueUrl("pipe")}, {"MessageBody", "x"}});
  std::set<uint64_t> ids;
  for (int i = 0; i < 2000; ++i) ids.insert(c->Send("SendMessage", send));
  size_t replies = 0;
  while (replies < ids.size()) {
    auto r = c->Receive(milliseconds(10000));
    ASSERT_TRUE(r.has_value()) << "after " << replies << " replies";
    EXPECT_TRUE(r->ok) << r->body;
    EXPECT_TRUE(ids.contains(r->request_id));
    ++replies;
  }
  auto attrs =
      fx_.Ok(*c, "GetQueueAttributes",
             {{"QueueUrl", QueueUrl("pipe")},
              {"AttributeNames", json::array{"ApproximateNumberOfMessages"}}});
  EXPECT_EQ(attrs.at("Attributes").at("ApproximateNumberOfMessages"), "2000");
}

// The receive is parked before the send is read (one connection keeps
// order), so the send must wake it: it answers with the message long
// before its 20 s wait would end.
TEST_P(EngineTest, ParkedLongPollIsWokenBySendFromThePipeline) {
  auto c = fx_.NewClient();
  fx_.Ok(*c, "CreateQueue", {{"QueueName", "lp"}});
  uint64_t receive =
      c->Send("ReceiveMessage",
              json::serialize(json::object{{"QueueUrl", QueueUrl("lp")},
                                           {"WaitTimeSeconds", 20}}));
  c->Send("SendMessage",
          json::serialize(json::object{{"QueueUrl", QueueUrl("lp")},
                                       {"MessageBody", "wake"}}));
  bool woke = false;
  for (int i = 0; i < 2; ++i) {
    auto r = c->Receive(milliseconds(15000));
    ASSERT_TRUE(r.has_value());
    if (r->request_id == receive) {
      auto body = Parse(r->body);
      ASSERT_TRUE(body.contains("Messages")) << r->body;
      EXPECT_EQ(body.at("Messages").as_array()[0].at("Body"), "wake");
      woke = true;
    }
  }
  EXPECT_TRUE(woke);
}

// Many clients on their own threads at once; every message is accounted
// for.
TEST_P(EngineTest, ConcurrentClientsLoseNothing) {
  auto setup = fx_.NewClient();
  fx_.Ok(*setup, "CreateQueue", {{"QueueName", "many"}});
  constexpr int kClients = 4, kEach = 100;
  std::atomic<int> received{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      auto c = fx_.NewClient();
      for (int i = 0; i < kEach; ++i) {
        auto r = c->Call("SendMessage",
                         json::serialize(json::object{
                             {"QueueUrl", QueueUrl("many")},
                             {"MessageBody", std::to_string(t * kEach + i)}}));
        ASSERT_TRUE(r.ok() && r->ok);
      }
      for (int i = 0; i < kEach; ++i) {
        auto r =
            c->Call("ReceiveMessage",
                    json::serialize(json::object{{"QueueUrl", QueueUrl("many")},
                                                 {"MaxNumberOfMessages", 10}}));
        ASSERT_TRUE(r.ok() && r->ok);
        auto body = Parse(r->body);
        if (!body.contains("Messages")) continue;
        for (auto& m : body.at("Messages").as_array()) {
          auto d = c->Call("DeleteMessage",
                           json::serialize(json::object{
                               {"QueueUrl", QueueUrl("many")},
                               {"ReceiptHandle", m.at("ReceiptHandle")}}));
          ASSERT_TRUE(d.ok() && d->ok);
          ++received;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  auto attrs = fx_.Ok(
      *setup, "GetQueueAttributes",
      {{"QueueUrl", QueueUrl("many")}, {"AttributeNames", json::array{"All"}}});
  int left = std::stoi(std::string(
      attrs.at("Attributes").at("ApproximateNumberOfMessages").as_string()));
  int in_flight =
      std::stoi(std::string(attrs.at("Attributes")
                                .at("ApproximateNumberOfMessagesNotVisible")
                                .as_string()));
  EXPECT_EQ(in_flight, 0);
  EXPECT_EQ(received + left, kClients * kEach);
}

// A client that goes away while its long poll is parked: the engine keeps
// serving others, and the late reply is dropped.
TEST_P(EngineTest, ClientThatDisconnectsMidLongPollDoesNotDisturbOthers) {
  auto c = fx_.NewClient();
  fx_.Ok(*c, "CreateQueue", {{"QueueName", "gone"}});
  {
    auto leaver = fx_.NewClient();
    leaver->Send("ReceiveMessage",
                 json::serialize(json::object{{"QueueUrl", QueueUrl("gone")},
                                              {"WaitTimeSeconds", 20}}));
    // Make sure it is parked: a later call on the same connection answers.
    auto r = leaver->Call("ListQueues", "{}", milliseconds(10000));
    ASSERT_TRUE(r.ok() && r->ok);
  }  // socket closed with the receive still parked
  fx_.Ok(*c, "SendMessage",
         {{"QueueUrl", QueueUrl("gone")}, {"MessageBody", "for nobody"}});
  // The parked receive took the message for its vanished peer; it comes
  // back after its visibility timeout, so nothing is lost.
  auto attrs = fx_.Ok(
      *c, "GetQueueAttributes",
      {{"QueueUrl", QueueUrl("gone")}, {"AttributeNames", json::array{"All"}}});
  auto& a = attrs.at("Attributes");
  EXPECT_EQ(
      std::stoi(std::string(a.at("ApproximateNumberOfMessages").as_string())) +
          std::stoi(std::string(
              a.at("ApproximateNumberOfMessagesNotVisible").as_string())),
      1);
  fx_.Ok(*c, "ListQueues", {});
}

INSTANTIATE_TEST_SUITE_P(Transports, EngineTest,
                         ::testing::Values(Transport::kInproc, Transport::kTcp),
                         [](const auto& param_info) {
                           return param_info.param == Transport::kInproc
                                      ? "Inproc"
                                      : "Tcp";
                         });

// With the virtual clock the engine skips a long poll's wait when nothing
// else is happening: a 20 s poll answers at once, empty.
TEST(VirtualClockEngineTest, LongPollTimesOutWithoutWallTime) {
  EngineFixture fx(Transport::kInproc, /*virtual_clock=*/true);
  auto c = fx.NewClient();
  fx.Ok(*c, "CreateQueue", {{"QueueName", "v"}});
  auto got = fx.Ok(*c, "ReceiveMessage",
                   {{"QueueUrl", QueueUrl("v")}, {"WaitTimeSeconds", 20}});
  EXPECT_FALSE(got.contains("Messages"));
}

TEST(EngineBindTest, RefusesNonLoopbackTcp) {
  Context context;
  Engine engine(EngineOptions{}, context);
  auto r = engine.Bind("tcp://0.0.0.0:*");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("loopback"), std::string::npos);
  EXPECT_TRUE(engine.Bind("tcp://127.0.0.1:*").ok());
}

TEST(EngineBindTest, BadEndpointIsAnErrorNotACrash) {
  Context context;
  Engine engine(EngineOptions{}, context);
  auto r = engine.Bind("nonsense://x");
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace fanlab::transport
