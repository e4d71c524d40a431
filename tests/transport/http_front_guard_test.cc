// What the HTTP front refuses before serving, with a fake dispatcher:
// Hosts that are not served (DNS rebinding), cross-origin browser
// requests and CORS preflights, and, with an auth token, AWS-protocol
// requests not signed with it; each in its protocol's error shape.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <optional>

#include "emulator/transport/http_front.h"

namespace fanlab::transport {
namespace {

namespace json = boost::json;
using services::FindHeader;
using services::HttpRequest;
using services::HttpResponse;

TEST(HostGuardTest, LoopbackNamesAndGivenNamesAreServed) {
  const std::vector<std::string> none;
  for (const char* host :
       {"localhost", "localhost:4566", "LOCALHOST:1", "b.localhost:4566",
        "b.s3.localhost", "localhost.", "127.0.0.1", "127.0.0.1:4566",
        "127.1.2.3:80", "[::1]", "[::1]:4566"}) {
    EXPECT_TRUE(IsServedHost(host, none)) << host;
  }
  for (const char* host :
       {"", ":4566", "evil.com", "localhost.evil.com", "evillocalhost",
        "127.0.0.1.evil.com", "10.0.0.1", "0.0.0.0:4566", "[::2]:1",
        "localhost:", "localhost:x", "localhost:4566:1", "a@localhost",
        "fanlab", "b.s3.us-east-1.amazonaws.com"}) {
    EXPECT_FALSE(IsServedHost(host, none)) << host;
  }
  const std::vector<std::string> given = {"fanlab", "amazonaws.com."};
  EXPECT_TRUE(IsServedHost("fanlab:4566", given));
  EXPECT_TRUE(IsServedHost("bucket.FANLAB", given));
  EXPECT_TRUE(IsServedHost("b.s3.us-east-1.amazonaws.com", given));
  EXPECT_FALSE(IsServedHost("notfanlab", given));
}

TEST(HostGuardTest, OnlyServedOriginsAreSameMachine) {
  const std::vector<std::string> none;
  EXPECT_TRUE(IsServedOrigin("http://localhost:3000", none));
  EXPECT_TRUE(IsServedOrigin("https://127.0.0.1", none));
  EXPECT_TRUE(IsServedOrigin("http://[::1]:8080", none));
  for (const char* origin :
       {"null", "", "http://evil.com", "https://localhost.evil.com", "file://",
        "http://localhost:3000/path", "ftp://localhost", "http://",
        "localhost"}) {
    EXPECT_FALSE(IsServedOrigin(origin, none)) << origin;
  }
}

class FrontGuardTest : public ::testing::Test {
 protected:
  explicit FrontGuardTest(HttpFrontOptions options = {})
      : front_(
            [this](api::ApiRequest r, api::ApiCallback done) {
              ++calls_;
              seen_ = std::move(r);
              done(api::ApiResponse{.body = "{}"});
            },
            nullptr, nullptr, std::move(options)) {}

  HttpResponse Send(HttpRequest r) {
    std::optional<HttpResponse> out;
    front_.Handle(std::move(r), [&](HttpResponse x) { out = std::move(x); });
    EXPECT_TRUE(out.has_value());
    return out.value_or(HttpResponse{});
  }

  // A SendMessage over the JSON protocol from `host`, signed by `key`.
  static HttpRequest Json(std::string host, std::string key = "AKID") {
    HttpRequest r{.method = "POST", .path = "/", .body = "{}"};
    r.headers = {{"Host", host},
                 {"X-Amz-Target", "AmazonSQS.SendMessage"},
                 {"Authorization", Auth(key, "sqs")}};
    return r;
  }
  static std::string Auth(std::string key, std::string service) {
    return "AWS4-HMAC-SHA256 Credential=" + key + "/20261206/us-east-1/" +
           service + "/aws4_request, SignedHeaders=host, Signature=abc";
  }

  int calls_ = 0;
  std::optional<api::ApiRequest> seen_;
  HttpFront front_;
};

TEST_F(FrontGuardTest, ARebindingHostIsRefusedInTheProtocolsShape) {
  HttpResponse r = Send(Json("evil.example:4566"));
  EXPECT_EQ(r.status, 403);
  json::object body = json::parse(r.body).as_object();
  EXPECT_EQ(body["__type"], "com.amazon.coral.service#AccessDeniedException");
  EXPECT_NE(std::string(body["message"].as_string()).find("evil.example"),
            std::string::npos);
  EXPECT_EQ(*FindHeader(r.headers, "x-amzn-query-error"),
            "AccessDeniedException;Sender");
  EXPECT_EQ(calls_, 0);

  // Query protocol: an XML ErrorResponse.
  HttpRequest q{.method = "POST", .path = "/", .body = "Action=ListQueues"};
  q.headers = {{"Host", "attacker.test"},
               {"Content-Type", "application/x-www-form-urlencoded"}};
  r = Send(q);
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("<Code>AccessDenied</Code>"), std::string::npos);
  // S3, virtual-hosted under a foreign name is just a foreign host.
  HttpRequest s3{.method = "GET", .path = "/key"};
  s3.headers = {{"Host", "attacker.test"},
                {"Authorization", Auth("AKID", "s3")}};
  r = Send(s3);
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("<Error><Code>AccessDenied</Code>"), std::string::npos);
  // Lambda REST-JSON.
  HttpRequest fn{.method = "GET", .path = "/2015-03-31/functions"};
  fn.headers = {{"Host", "attacker.test"},
                {"Authorization", Auth("AKID", "lambda")}};
  r = Send(fn);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(*FindHeader(r.headers, "x-amzn-ErrorType"),
            "AccessDeniedException");
  // Routes and sinks: a plain message.
  HttpRequest route{.method = "GET", .path = "/orders"};
  route.headers = {{"Host", "attacker.test"}};
  r = Send(route);
  EXPECT_EQ(r.status, 403);
  EXPECT_TRUE(json::parse(r.body).as_object().contains("message"));
  EXPECT_EQ(calls_, 0);

  // The same from a served host goes through.
  r = Send(Json("localhost:4566"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(calls_, 1);
}

TEST_F(FrontGuardTest, CrossOriginBrowserRequestsAndPreflightsAreRefused) {
  HttpRequest r = Json("127.0.0.1:4566");
  r.headers.push_back({"Origin", "https://evil.example"});
  EXPECT_EQ(Send(r).status, 403);
  r = Json("127.0.0.1:4566");
  r.headers.push_back({"Origin", "null"});
  EXPECT_EQ(Send(r).status, 403);
  HttpRequest preflight{.method = "OPTIONS", .path = "/"};
  preflight.headers = {{"Host", "127.0.0.1:4566"},
                       {"Origin", "http://evil.example"},
                       {"Access-Control-Request-Method", "POST"}};
  EXPECT_EQ(Send(preflight).status, 403);
  // A GET a page makes with <img src> has no Origin, but says cross-site.
  HttpRequest img{.method = "GET", .path = "/", .query = "Action=ListQueues"};
  img.headers = {{"Host", "127.0.0.1:4566"}, {"Sec-Fetch-Site", "cross-site"}};
  HttpResponse refused = Send(img);
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("<Code>AccessDenied</Code>"), std::string::npos);
  EXPECT_EQ(calls_, 0);
  // A local page (another port of localhost) and same-origin are served.
  r = Json("127.0.0.1:4566");
  r.headers.push_back({"Origin", "http://localhost:3000"});
  r.headers.push_back({"Sec-Fetch-Site", "same-site"});
  EXPECT_EQ(Send(r).status, 200);
  EXPECT_EQ(calls_, 1);
}

class HostnameGuardTest : public FrontGuardTest {
 protected:
  HostnameGuardTest()
      : FrontGuardTest({.advertised_url = "http://emulator.internal:4566/",
                        .hostnames = {"fanlab"}}) {}
};

TEST_F(HostnameGuardTest, GivenNamesAndTheAdvertisedHostAreServed) {
  EXPECT_EQ(Send(Json("fanlab:4566")).status, 200);
  EXPECT_EQ(Send(Json("emulator.internal:4566")).status, 200);
  EXPECT_EQ(Send(Json("localhost")).status, 200);
  EXPECT_EQ(Send(Json("other:4566")).status, 403);
  EXPECT_EQ(calls_, 3);
}

class TokenGuardTest : public FrontGuardTest {
 protected:
  TokenGuardTest() : FrontGuardTest({.auth_token = "s3cret"}) {}
};

TEST_F(TokenGuardTest, AwsProtocolsNeedTheTokenAsTheirAccessKeyId) {
  // JSON: UnrecognizedClientException, 400.
  HttpResponse r = Send(Json("localhost", "AKIDEXAMPLE"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body).as_object()["__type"],
            "com.amazon.coral.service#UnrecognizedClientException");
  HttpRequest unsigned_json = Json("localhost");
  unsigned_json.headers.pop_back();
  EXPECT_EQ(Send(unsigned_json).status, 400);
  EXPECT_EQ(calls_, 0);
  r = Send(Json("localhost", "s3cret"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(seen_->access_key_id, "s3cret");

  // Query: InvalidClientTokenId, 403.
  HttpRequest q{.method = "POST", .path = "/", .body = "Action=ListQueues"};
  q.headers = {{"Host", "localhost"},
               {"Content-Type", "application/x-www-form-urlencoded"},
               {"Authorization", Auth("wrong", "sqs")}};
  r = Send(q);
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("<Code>InvalidClientTokenId</Code>"),
            std::string::npos);
  // S3 (virtual-hosted, unsigned): InvalidAccessKeyId.
  HttpRequest s3{.method = "GET", .path = "/key"};
  s3.headers = {{"Host", "bucket.s3.localhost:4566"}};
  r = Send(s3);
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("<Code>InvalidAccessKeyId</Code>"), std::string::npos);
  // A presigned URL carrying the token passes.
  s3.query =
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=s3cret%2F20261206"
      "%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=0";
  calls_ = 0;
  Send(s3);
  EXPECT_EQ(calls_, 1);
  // Lambda REST-JSON.
  HttpRequest fn{.method = "GET", .path = "/2015-03-31/functions"};
  fn.headers = {{"Host", "localhost"}, {"Authorization", Auth("x", "lambda")}};
  r = Send(fn);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(*FindHeader(r.headers, "x-amzn-ErrorType"),
            "UnrecognizedClientException");
  // Routes and sinks take no token.
  HttpRequest route{.method = "GET", .path = "/orders"};
  route.headers = {{"Host", "localhost"}};
  r = Send(route);
  EXPECT_EQ(r.status, 403);  // no routes here: API Gateway's answer
  EXPECT_EQ(json::parse(r.body).as_object()["message"],
            "Missing Authentication Token");
}

}  // namespace
}  // namespace fanlab::transport
