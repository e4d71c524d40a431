// The HTTP front's protocol recognition, with a fake dispatcher: which
// protocol each request speaks, what the dispatcher is handed (service,
// action, JSON shape, access key, endpoint) and how its answer is written.
#include "emulator/transport/http_front.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <optional>

#include "emulator/api/xml.h"

namespace fanlab::transport {
namespace {

namespace json = boost::json;
using services::FindHeader;
using services::HttpRequest;
using services::HttpResponse;

class HttpFrontTest : public ::testing::Test {
 protected:
  HttpFrontTest()
      : front_(
            [this](api::ApiRequest r, api::ApiCallback done) {
              seen_ = std::move(r);
              done(answer_);
            },
            nullptr, nullptr) {}

  HttpResponse Send(HttpRequest r) {
    std::optional<HttpResponse> out;
    front_.Handle(std::move(r), [&](HttpResponse x) { out = std::move(x); });
    EXPECT_TRUE(out.has_value());
    return out.value_or(HttpResponse{});
  }

  static HttpRequest Signed(std::string service, std::string method,
                            std::string path, std::string body = "") {
    HttpRequest r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.body = std::move(body);
    r.headers = {
        {"Host", "127.0.0.1:4566"},
        {"Authorization",
         "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261206/"
         "us-east-1/" +
             service + "/aws4_request, SignedHeaders=host, Signature=abc"}};
    return r;
  }

  api::ApiResponse answer_;
  std::optional<api::ApiRequest> seen_;
  HttpFront front_;
};

TEST(SigV4Test, TheScopeOfAHeaderOrAPresignedUrl) {
  HttpRequest r;
  r.headers = {{"authorization",
                "AWS4-HMAC-SHA256 Credential=AK/20261206/eu-west-1/sqs/"
                "aws4_request,SignedHeaders=host,Signature=x"}};
  auto scope = ParseSigV4(r);
  ASSERT_TRUE(scope.has_value());
  EXPECT_EQ(scope->access_key_id, "AK");
  EXPECT_EQ(scope->region, "eu-west-1");
  EXPECT_EQ(scope->service, "sqs");
  HttpRequest p;
  p.query =
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=K%2F20261206"
      "%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=0";
  scope = ParseSigV4(p);
  ASSERT_TRUE(scope.has_value());
  EXPECT_EQ(scope->access_key_id, "K");
  EXPECT_EQ(scope->service, "s3");
  HttpRequest bad;
  bad.headers = {{"Authorization", "AWS4-HMAC-SHA256 Credential=AK/x"}};
  EXPECT_FALSE(ParseSigV4(bad).has_value());
  bad.headers = {{"Authorization", "Basic dTpw"}};
  EXPECT_FALSE(ParseSigV4(bad).has_value());
}

TEST(SigV4Test, VirtualHostedBuckets) {
  EXPECT_EQ(VirtualHostBucket("b.s3.localhost:4566"), "b");
  EXPECT_EQ(VirtualHostBucket("my.bucket.localhost"), "my.bucket");
  EXPECT_EQ(VirtualHostBucket("b.s3.us-east-1.amazonaws.com"), "b");
  EXPECT_EQ(VirtualHostBucket("localhost:4566"), "");
  EXPECT_EQ(VirtualHostBucket("127.0.0.1:4566"), "");
}

TEST_F(HttpFrontTest, JsonProtocolKeepsTheTargetAndTellsTheEndpoint) {
  HttpRequest r = Signed("sqs", "POST", "/", R"({"QueueName":"q"})");
  r.headers.push_back({"X-Amz-Target", "AmazonSQS.CreateQueue"});
  answer_.body = R"({"QueueUrl":"u"})";
  HttpResponse out = Send(r);
  ASSERT_TRUE(seen_.has_value());
  EXPECT_EQ(seen_->action, "AmazonSQS.CreateQueue");
  EXPECT_EQ(seen_->access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(seen_->endpoint, "http://127.0.0.1:4566");
  EXPECT_EQ(out.status, 200);
  EXPECT_EQ(out.body, R"({"QueueUrl":"u"})");
}

TEST_F(HttpFrontTest, QueryProtocolBySignatureOrByActionName) {
  HttpRequest r = Signed("sns", "POST", "/", "Action=CreateTopic&Name=t");
  r.headers.push_back(
      {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"});
  answer_.body = R"({"TopicArn":"arn"})";
  HttpResponse out = Send(r);
  ASSERT_TRUE(seen_.has_value());
  EXPECT_EQ(seen_->service, api::ApiService::kSns);
  EXPECT_EQ(seen_->action, "CreateTopic");
  EXPECT_EQ(json::parse(seen_->body), json::parse(R"({"Name":"t"})"));
  auto root = api::ParseXml(out.body);
  ASSERT_TRUE(root.ok()) << out.body;
  EXPECT_EQ(root->Child("CreateTopicResult")->Child("TopicArn")->text, "arn");

  // Unsigned: the action names the service.
  HttpRequest u;
  u.method = "POST";
  u.path = "/";
  u.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  u.body = "Action=ListSubscriptions";
  answer_.body = "{}";
  Send(u);
  EXPECT_EQ(seen_->service, api::ApiService::kSns);
  u.body = "Action=ListQueues";
  Send(u);
  EXPECT_EQ(seen_->service, api::ApiService::kSqs);
}

TEST_F(HttpFrontTest, BadQueryInputIsAnsweredInXmlWithoutADispatch) {
  HttpRequest r = Signed("sqs", "POST", "/", "Action=Nope");
  r.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
  HttpResponse out = Send(r);
  EXPECT_FALSE(seen_.has_value());
  EXPECT_EQ(out.status, 400);
  EXPECT_NE(out.body.find("<Code>InvalidAction</Code>"), std::string::npos);
  r.body = "Action=ReceiveMessage&QueueUrl=u&MaxNumberOfMessages=lots";
  out = Send(r);
  EXPECT_FALSE(seen_.has_value());
  EXPECT_NE(out.body.find("<Code>MalformedQueryString</Code>"),
            std::string::npos);
  EXPECT_NE(out.body.find("MaxNumberOfMessages"), std::string::npos);
}

TEST_F(HttpFrontTest, RestJsonForLambdaBySignature) {
  HttpRequest r = Signed("lambda", "GET", "/2015-03-31/functions/f");
  answer_.body = R"({"Configuration":{"FunctionName":"f"}})";
  HttpResponse out = Send(r);
  ASSERT_TRUE(seen_.has_value());
  EXPECT_EQ(seen_->service, api::ApiService::kLambda);
  EXPECT_EQ(seen_->action, "GetFunction");
  EXPECT_EQ(json::parse(seen_->body), json::parse(R"({"FunctionName":"f"})"));
  EXPECT_EQ(json::parse(out.body),
            json::parse(R"({"Configuration":{"FunctionName":"f"}})"));
  seen_.reset();
  out = Send(Signed("lambda", "GET", "/2015-03-31/nowhere"));
  EXPECT_FALSE(seen_.has_value());
  EXPECT_EQ(out.status, 404);
  EXPECT_EQ(*FindHeader(out.headers, "x-amzn-ErrorType"),
            "UnknownOperationException");
}

TEST_F(HttpFrontTest, RestXmlForS3BySignatureOrByHost) {
  answer_.body = R"({"ETag":"\"e\""})";
  HttpResponse out = Send(Signed("s3", "PUT", "/b/k", "data"));
  ASSERT_TRUE(seen_.has_value());
  EXPECT_EQ(seen_->service, api::ApiService::kS3);
  EXPECT_EQ(seen_->action, "PutObject");
  EXPECT_EQ(*FindHeader(out.headers, "ETag"), "\"e\"");
  HttpRequest v;
  v.method = "GET";
  v.path = "/k";
  v.headers = {{"Host", "b.s3.localhost:4566"}};
  answer_.body = R"({"Body":"aGk="})";
  out = Send(v);
  EXPECT_EQ(seen_->action, "GetObject");
  EXPECT_EQ(json::parse(seen_->body),
            json::parse(R"({"Bucket":"b","Key":"k"})"));
  EXPECT_EQ(out.body, "hi");
  seen_.reset();
  out = Send(Signed("s3", "PUT", "/b", "<oops"));
  EXPECT_FALSE(seen_.has_value());
  EXPECT_EQ(out.status, 400);
  EXPECT_NE(out.body.find("<Code>MalformedXML</Code>"), std::string::npos);
}

TEST_F(HttpFrontTest, EverythingElseGoesToRoutesAndSinks) {
  HttpRequest r;
  r.method = "GET";
  r.path = "/hello";
  HttpResponse out = Send(r);
  EXPECT_FALSE(seen_.has_value());
  EXPECT_EQ(out.status, 403);
  r.path = "/_sinks/x";
  EXPECT_EQ(Send(r).status, 404);
}

}  // namespace
}  // namespace fanlab::transport
