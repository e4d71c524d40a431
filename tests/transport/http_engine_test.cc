// The HTTP front of a running Engine (virtual clock) with real function
// processes: routes answered by the test function, 502 / 504 / 403, the
// AWS JSON protocol over HTTP, a function POSTing to a sink with the
// SDK's helper, and a stalled HTTP client next to working ones. The HTTP
// client is the SDK's (sdk::HttpRequest); actions go over inproc://.
#include <arpa/inet.h>
#include <fanlab/function.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/json.hpp>
#include <memory>
#include <string>
#include <thread>

#include "emulator/services/route_service.h"
#include "emulator/services/schedule_service.h"
#include "emulator/services/sink_service.h"
#include "tests/engine_fixture.h"
#include "tests/test_util.h"
#include "tests/transport/http_test_util.h"

namespace fanlab {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;

constexpr const char* kTestFunction = FANLAB_TEST_FUNCTION;

class HttpEngineTest : public testing::EngineFixture {
 protected:
  HttpEngineTest() : EngineFixture({.http = true}), base_(base_url()) {}

  void Function(std::string name, std::vector<std::string> args,
                int timeout = 10) {
    json::array command{kTestFunction};
    for (auto& a : args) command.emplace_back(a);
    Ok("CreateFunction", {{"FunctionName", name},
                          {"Code", {{"Command", command}}},
                          {"Timeout", timeout}});
  }

  // Creates a route; returns its URL (template included).
  std::string Route(std::string method, std::string path,
                    std::string function) {
    json::object r =
        Ok("CreateRoute",
           {{"Method", method}, {"Path", path}, {"FunctionName", function}});
    return std::string(r["Url"].as_string());
  }

  const std::string base_;
};

TEST_F(HttpEngineTest, ARouteIsServedByARealFunction) {
  Function("api", {"api-reply", "201"});
  std::string url = Route("POST", "/user/{username}/schedules", "api");
  EXPECT_EQ(url, base_ + "/user/{username}/schedules");

  sdk::HttpResult r =
      sdk::HttpPost(base_ + "/user/bob/schedules?dry=1",
                    R"({"algorithm":"sum","run_interval_minutes":5})",
                    {{"Content-Type", "application/json"}});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  EXPECT_EQ(r.Header("X-Fanlab-Mode"), "api-reply");
  int cookies = 0;
  for (const auto& [k, v] : r.headers) cookies += k == "Set-Cookie";
  EXPECT_EQ(cookies, 2);

  // The body is the event the function got.
  json::object e = json::parse(r.body).as_object();
  EXPECT_EQ(e["resource"], "/user/{username}/schedules");
  EXPECT_EQ(e["path"], "/user/bob/schedules");
  EXPECT_EQ(e["httpMethod"], "POST");
  EXPECT_EQ(e["pathParameters"].at("username"), "bob");
  EXPECT_EQ(e["queryStringParameters"].at("dry"), "1");
  EXPECT_EQ(e["body"], R"({"algorithm":"sum","run_interval_minutes":5})");
  EXPECT_EQ(e["headers"].at("User-Agent"), "fanlab-sdk");
  json::object& c = e["requestContext"].as_object();
  EXPECT_EQ(c["identity"].at("sourceIp"), "127.0.0.1");
  EXPECT_EQ(c["requestId"].as_string(), r.Header("x-amzn-RequestId"));
  EXPECT_TRUE(testing::IsUuidV4(c["requestId"].as_string()));
  // Virtual time: it starts at 2026-01-01 and moves only while the
  // function runs.
  int64_t epoch = c["requestTimeEpoch"].as_int64();
  EXPECT_GE(epoch, ToEpochMillis(VirtualClock::kDefaultStart));
  EXPECT_LT(epoch, ToEpochMillis(VirtualClock::kDefaultStart) + 60000);
}

TEST_F(HttpEngineTest, MalformedRepliesAndFunctionErrorsAre502) {
  Function("echo", {"echo"});  // returns the event: not a proxy reply
  Function("fail", {"fail"});
  Route("GET", "/garbage", "echo");
  Route("GET", "/fail", "fail");
  for (const char* path : {"/garbage", "/fail"}) {
    sdk::HttpResult r = sdk::HttpRequest("GET", base_ + path);
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.status, 502) << path;
    EXPECT_EQ(r.body, R"({"message":"Internal server error"})");
  }
}

TEST_F(HttpEngineTest, AFunctionTimeoutIs504) {
  // The function's own 1 s timeout; virtual time follows real time while
  // it runs, so this takes about a real second.
  Function("slow", {"sleep", "5000"}, /*timeout=*/1);
  Route("GET", "/slow", "slow");
  auto start = std::chrono::steady_clock::now();
  sdk::HttpResult r = sdk::HttpRequest("GET", base_ + "/slow", "", {}, 20000);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.status, 504);
  EXPECT_EQ(r.body, R"({"message":"Endpoint request timed out"})");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
}

TEST_F(HttpEngineTest, ApiKeysAndUnknownRoutesAre403) {
  Function("api", {"api-reply", "200"});
  Ok("CreateRoute", {{"Method", "GET"},
                     {"Path", "/private"},
                     {"FunctionName", "api"},
                     {"ApiKeyRequired", true},
                     {"ApiKeys", json::array{"s3cr3t"}}});
  sdk::HttpResult r = sdk::HttpRequest("GET", base_ + "/private");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, R"({"message":"Forbidden"})");
  r = sdk::HttpRequest("GET", base_ + "/private", "",
                       {{"x-api-key", "s3cr3t"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(
      json::parse(r.body).at("requestContext").at("identity").at("apiKey"),
      "s3cr3t");
  r = sdk::HttpRequest("GET", base_ + "/nowhere");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, R"({"message":"Missing Authentication Token"})");
}

TEST_F(HttpEngineTest, TheAwsJsonProtocolWorksOverHttp) {
  auto call = [&](const std::string& target, const std::string& body) {
    return sdk::HttpPost(base_ + "/", body,
                         {{"Content-Type", "application/x-amz-json-1.0"},
                          {"X-Amz-Target", target}});
  };
  sdk::HttpResult r = call("AmazonSQS.CreateQueue", R"({"QueueName":"jobs"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("Content-Type"), "application/x-amz-json-1.0");
  std::string queue(json::parse(r.body).at("QueueUrl").as_string());
  r = call("AmazonSQS.SendMessage",
           R"({"QueueUrl":")" + queue + R"(","MessageBody":"hello"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body).at("MD5OfMessageBody"),
            "5d41402abc4b2a76b9719d911017c592");
  r = call("AmazonSQS.ReceiveMessage", R"({"QueueUrl":")" + queue + R"("})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body).at("Messages").at(0).at("Body"), "hello");

  r = call("AmazonSQS.GetQueueUrl", R"({"QueueName":"missing"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body).at("__type"),
            "com.amazonaws.sqs#QueueDoesNotExist");
  EXPECT_EQ(r.Header("x-amzn-query-error"),
            "AWS.SimpleQueueService.NonExistentQueue;Sender");
  // The HTTP actions are reachable the same way.
  r = call("Fanlab.ListSinks", "{}");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("x-amzn-query-error"), "");
}

TEST_F(HttpEngineTest, S3BodiesMayPassTheFrontsTenMegabytes) {
  const sdk::HttpHeaders s3 = {
      {"Authorization",
       "AWS4-HMAC-SHA256 Credential=k/20261206/us-east-1/s3/aws4_request, "
       "SignedHeaders=host, Signature=0"}};
  sdk::HttpResult r = sdk::HttpRequest("PUT", base_ + "/big-bodies", "", s3);
  ASSERT_EQ(r.status, 200) << r.body;
  std::string part(12 << 20, 'p');
  r = sdk::HttpRequest("PUT", base_ + "/big-bodies/k", part, s3);
  EXPECT_EQ(r.status, 200) << r.body;
  r = sdk::HttpRequest("GET", base_ + "/big-bodies/k", "", s3);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.size(), part.size());
  // Any other request keeps the 10 MB limit: 413 (or the connection cut
  // while the client still sends).
  r = sdk::HttpPost(base_ + "/", part,
                    {{"Content-Type", "application/x-amz-json-1.0"},
                     {"X-Amz-Target", "AmazonSQS.ListQueues"}});
  EXPECT_TRUE(r.status == 413 || !r.ok()) << r.status;
}

TEST_F(HttpEngineTest, AFunctionPostsToASinkWithTheSdk) {
  json::object sink =
      Ok("CreateSink",
         {{"Name", "callback"}, {"StatusCode", 202}, {"Body", "thanks"}});
  std::string url(sink["Url"].as_string());
  EXPECT_EQ(url, base_ + "/_sinks/callback");
  Function("notify", {"http-post", url + "/job/1"});
  json::object invoked = Ok(
      "Invoke", {{"FunctionName", "notify"},
                 {"Payload", R"({"status":"Success","msg":"Job Finished"})"}});
  EXPECT_FALSE(invoked.contains("FunctionError")) << json::serialize(invoked);
  json::object result = json::parse(invoked["Payload"].as_string()).as_object();
  EXPECT_EQ(result["status"], 202);
  EXPECT_EQ(result["body"], "thanks");

  json::object got = Ok("GetSinkRequests", {{"Name", "callback"}});
  json::array& requests = got["Requests"].as_array();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].at("Method"), "POST");
  EXPECT_EQ(requests[0].at("Path"), "/_sinks/callback/job/1");
  EXPECT_EQ(requests[0].at("Body"),
            R"({"status":"Success","msg":"Job Finished"})");
  EXPECT_EQ(requests[0].at("Headers").at("Content-Type"), "application/json");
}

TEST_F(HttpEngineTest, FunctionsAreToldTheHttpEndpoint) {
  Function("env", {"env"});
  json::object invoked = Ok("Invoke", {{"FunctionName", "env"}});
  json::object env = json::parse(invoked["Payload"].as_string()).as_object();
  EXPECT_EQ(env["FANLAB_HTTP_ENDPOINT"].as_string(), base_);
}

TEST_F(HttpEngineTest, TopicsPostToHttpSubscribersWithSnsHeaders) {
  json::object sink = Ok("CreateSink", {{"Name", "hook"}});
  std::string url(sink["Url"].as_string());
  std::string topic(
      Ok("CreateTopic", {{"Name", "events"}})["TopicArn"].as_string());
  std::string sub(Ok("Subscribe", {{"TopicArn", topic},
                                   {"Protocol", "http"},
                                   {"Endpoint", url}})["SubscriptionArn"]
                      .as_string());
  Ok("Publish", {{"TopicArn", topic}, {"Message", "job done"}});
  // The POST completes on the engine's loop after Publish answered.
  json::array requests;
  for (int i = 0; i < 200 && requests.empty(); ++i) {
    requests = Ok("GetSinkRequests", {{"Name", "hook"}})["Requests"].as_array();
    if (requests.empty()) std::this_thread::sleep_for(milliseconds(5));
  }
  ASSERT_EQ(requests.size(), 1u);
  json::object request = requests[0].as_object();
  EXPECT_EQ(request["Method"], "POST");
  EXPECT_EQ(request["Headers"].at("x-amz-sns-message-type"), "Notification");
  EXPECT_EQ(request["Headers"].at("x-amz-sns-subscription-arn").as_string(),
            sub);
  json::object envelope = json::parse(request["Body"].as_string()).as_object();
  EXPECT_EQ(envelope["Message"], "job done");
  EXPECT_EQ(envelope["TopicArn"].as_string(), topic);
}

// Regression: while a topic's POST was in flight the virtual clock still
// skipped from timer to timer, so with a minute rule armed a POST that an
// endpoint answered in a fraction of a real second was delivered hours of
// virtual time after its Publish.
TEST(HttpEngineClockTest, VirtualTimeWaitsForAnOutgoingPost) {
  // An endpoint that answers 300 ms (real time) after the request.
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr),
            0);
  ASSERT_EQ(::listen(listener, 1), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len),
            0);
  std::thread endpoint([listener] {
    int c = ::accept(listener, nullptr, nullptr);
    if (c < 0) return;
    char buf[4096];
    (void)::recv(c, buf, sizeof buf, 0);
    std::this_thread::sleep_for(milliseconds(300));
    const char kAnswer[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    (void)::send(c, kAnswer, sizeof kAnswer - 1, MSG_NOSIGNAL);
    ::close(c);
  });

  struct Deliveries : services::ServiceObserver {
    void OnServiceEvent(const services::ServiceEvent& e) override {
      if (e.kind == "Delivered") at.push_back(e.at);
    }
    std::vector<TimePoint> at;
  } deliveries;
  transport::Context context;
  EngineOptions options;
  options.virtual_clock = true;
  Engine engine(options, context);
  engine.service_observers().Add(&deliveries);
  ASSERT_TRUE(engine.sqs().CreateQueue({.queue_name = "ticks"}).ok());
  ASSERT_TRUE(
      engine.schedules()
          .PutRule({.name = "tick", .schedule_expression = "rate(1 minute)"})
          .ok());
  ASSERT_TRUE(engine.schedules()
                  .PutTargets({.rule = "tick",
                               .targets = {{.id = "q",
                                            .arn = "arn:aws:sqs:us-east-1:"
                                                   "000000000000:ticks"}}})
                  .ok());
  auto topic = engine.topics().CreateTopic("events");
  ASSERT_TRUE(topic.ok());
  std::string url =
      "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/hook";
  ASSERT_TRUE(engine.topics().Subscribe(*topic, "http", url).ok());
  TimePoint published = engine.clock().Now();
  ASSERT_TRUE(
      engine.topics().Publish({.topic_arn = *topic, .message = "m"}).ok());
  engine.RunUntil(published + std::chrono::hours(2));
  endpoint.join();
  ::close(listener);
  ASSERT_EQ(deliveries.at.size(), 1u);
  // Virtual time followed the endpoint's real 300 ms.
  EXPECT_LT(deliveries.at[0] - published, std::chrono::seconds(10))
      << FormatIso8601(deliveries.at[0]);
}

TEST_F(HttpEngineTest, StalledHttpClientsDoNotStallTheEngine) {
  uint16_t port = testing::PortOf(base_);
  std::vector<std::unique_ptr<testing::RawConnection>> stalled;
  for (int i = 0; i < 10; ++i) {
    stalled.push_back(std::make_unique<testing::RawConnection>(port));
    ASSERT_TRUE(stalled.back()->Send("POST /x HTTP/1.1\r\nContent-Len"));
  }
  Ok("CreateQueue", {{"QueueName", "still-serving"}});
  Ok("CreateSink", {{"Name", "s"}});
  sdk::HttpResult r = sdk::HttpPost(base_ + "/_sinks/s", "ping");
  EXPECT_EQ(r.status, 200) << r.error;
}

TEST(HttpEngineBindTest, OneLoopbackHttpFrontPerEngine) {
  transport::Context context;
  Engine engine({.virtual_clock = true}, context);
  EXPECT_FALSE(engine.BindHttp("0.0.0.0:0").ok());
  auto url = engine.BindHttp("127.0.0.1:0");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_FALSE(engine.BindHttp("127.0.0.1:0").ok());
  // The actions report the URLs once bound.
  auto sink = engine.sinks().CreateSink({.name = "s"});
  ASSERT_TRUE(sink.ok());
  EXPECT_EQ(engine.sinks().Url("s"), *url + "/_sinks/s");
  EXPECT_EQ(engine.routes().base_url(), *url);
}

}  // namespace
}  // namespace fanlab
