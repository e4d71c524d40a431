// Garbage in every HTTP protocol, through the real front and dispatcher
// (every service but Lambda's functions, on a virtual clock): each request
// is answered exactly once, in its protocol's own error shape, with a 4xx
// status (never a 5xx: a client's input is never the emulator's fault),
// and the front serves on.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "emulator/api/in_process_services.h"
#include "emulator/api/xml.h"
#include "emulator/transport/http_front.h"

namespace fanlab::transport {
namespace {

namespace json = boost::json;
using services::FindHeader;
using services::HttpRequest;
using services::HttpResponse;

class HttpFrontSweepTest : public ::testing::Test {
 protected:
  HttpFrontSweepTest()
      : front_(
            [this](api::ApiRequest r, api::ApiCallback done) {
              services_.dispatcher().Dispatch(std::move(r), std::move(done));
            },
            &services_.routes(), &services_.sinks()) {}

  HttpResponse Send(HttpRequest r) {
    int answers = 0;
    HttpResponse out;
    front_.Handle(r, [&](HttpResponse x) {
      ++answers;
      out = std::move(x);
    });
    EXPECT_EQ(answers, 1) << r.method << " " << r.path << " " << r.body;
    return out;
  }

  static HttpRequest Signed(std::string service, std::string method,
                            std::string path, std::string query,
                            std::string body) {
    HttpRequest r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.query = std::move(query);
    r.body = std::move(body);
    r.headers = {
        {"Host", "127.0.0.1:4566"},
        {"Authorization", "AWS4-HMAC-SHA256 Credential=AK/20261206/us-east-1/" +
                              service +
                              "/aws4_request, SignedHeaders=host, "
                              "Signature=0"}};
    if (service == "sqs" || service == "sns") {
      r.headers.push_back(
          {"Content-Type", "application/x-www-form-urlencoded"});
    }
    return r;
  }

  api::InProcessServices services_;
  HttpFront front_;
};

// The query forms: each action of both services with garbage members.
std::vector<std::string> QueryForms() {
  std::vector<std::string> out = {
      "Action=",
      "Action=%ZZ",
      "Action=CreateQueue&QueueName=",
      "Action=CreateQueue&QueueName=q&Attribute.1.Value=x",
      "Action=CreateQueue&QueueName=q&Attribute.1.Name=Bogus&"
      "Attribute.1.Value=1",
      "Action=SendMessage&QueueUrl=nope&MessageBody=x",
      "Action=SendMessage&QueueUrl=http://h/000000000000/q&DelaySeconds=-5",
      "Action=ReceiveMessage&QueueUrl=x&MaxNumberOfMessages=99999999999999999"
      "999",
      "Action=SendMessageBatch&QueueUrl=x&SendMessageBatchRequestEntry.1.Id=",
      "Action=DeleteMessageBatch&QueueUrl=x",
      "Action=ChangeMessageVisibility&QueueUrl=x&ReceiptHandle=y",
      "Action=Publish&TopicArn=arn:aws:sns:us-east-1:000000000000:none&"
      "Message=m",
      "Action=Subscribe&TopicArn=x&Protocol=carrier-pigeon&Endpoint=e",
      "Action=PublishBatch&TopicArn=x&PublishBatchRequestEntries.member.1.Id=1",
      "Action=CreateTopic&Name=bad name!",
      "Action=SetTopicAttributes&TopicArn=x&AttributeName=y",
      "Action=CreateTopic&Name=t&Attributes.entry.1.value=v",
      "Action=TagQueue&QueueUrl=x&Tag.1.Key=k",
      "Action=ListQueues&MaxResults=x",
      "Action=ListQueues&MaxResults=5&MaxResults=6",
  };
  out.push_back("Action=CreateQueue&QueueName=" + std::string(100000, 'q'));
  return out;
}

TEST_F(HttpFrontSweepTest, QueryGarbageIsAnsweredInQueryXml) {
  for (const char* service : {"sqs", "sns"}) {
    for (const std::string& form : QueryForms()) {
      HttpResponse out = Send(Signed(service, "POST", "/", "", form));
      EXPECT_GE(out.status, 400) << service << " " << form;
      EXPECT_LT(out.status, 500) << service << " " << form << " " << out.body;
      auto root = api::ParseXml(out.body);
      ASSERT_TRUE(root.ok()) << out.body;
      EXPECT_EQ(root->name, "ErrorResponse") << out.body;
      ASSERT_NE(root->Child("Error"), nullptr) << out.body;
      EXPECT_FALSE(root->Child("Error")->Child("Code")->text.empty());
    }
  }
}

TEST_F(HttpFrontSweepTest, RestXmlGarbageIsAnsweredInS3Xml) {
  ASSERT_TRUE(services_.buckets().CreateBucket("bkt").ok());
  struct Case {
    const char* method;
    std::string path, query, body;
    std::vector<std::pair<std::string, std::string>> headers;
  };
  std::vector<Case> cases = {
      {"PUT", "/bkt", "", "<CreateBucketConfiguration>", {}},
      {"PUT", "/new-bucket", "", "<a><b></a></b>", {}},
      {"PUT",
       "/new-bucket",
       "",
       "<!DOCTYPE x [<!ENTITY e \"e\">]><a>&e;</a>",
       {}},
      {"PUT", "/new-bucket", "", std::string(40, '<'), {}},
      {"PUT", "/Bad_Bucket", "", "", {}},
      {"GET", "/bkt", "list-type=2&max-keys=many", "", {}},
      {"GET", "/bkt", "list-type=2&encoding-type=rot13", "", {}},
      {"GET", "/nobkt", "list-type=2", "", {}},
      {"GET", "/bkt/missing", "", "", {}},
      {"GET", "/bkt/k", "", "", {{"Range", "bytes=10-20"}}},
      {"DELETE", "/nobkt", "", "", {}},
      {"POST", "/bkt/k", "", "", {}},
      {"PATCH", "/", "", "", {}},
      {"GET", "/bkt/" + std::string(5000, 'k'), "", "", {}},
      {"PUT",
       "/bkt/k",
       "",
       "x",
       {{"x-amz-meta-" + std::string(3000, 'm'), std::string(3000, 'v')}}},
  };
  ASSERT_TRUE(Send(Signed("s3", "PUT", "/bkt/k", "", "12345")).status == 200);
  for (const Case& c : cases) {
    HttpRequest r = Signed("s3", c.method, c.path, c.query, c.body);
    for (const auto& h : c.headers) r.headers.push_back(h);
    HttpResponse out = Send(r);
    std::string what = std::string(c.method) + " " + c.path.substr(0, 40);
    EXPECT_GE(out.status, 400) << what;
    EXPECT_LT(out.status, 500) << what << " " << out.body;
    auto root = api::ParseXml(out.body);
    ASSERT_TRUE(root.ok()) << what << " " << out.body;
    EXPECT_EQ(root->name, "Error") << out.body;
    EXPECT_NE(root->Child("Code"), nullptr) << out.body;
    EXPECT_NE(FindHeader(out.headers, "x-amz-request-id"), nullptr);
  }
  // HEAD errors have no body.
  HttpResponse head = Send(Signed("s3", "HEAD", "/bkt/missing", "", ""));
  EXPECT_EQ(head.status, 404);
  EXPECT_EQ(head.body, "");
}

TEST_F(HttpFrontSweepTest, RestJsonGarbageIsAnsweredInLambdasShape) {
  // No function service: every routed action is unknown to the engine;
  // routing and reading fail first for the rest.
  struct Case {
    const char* method;
    std::string path, query, body;
  };
  std::vector<Case> cases = {
      {"GET", "/2015-03-31/functions", "MaxItems=x", ""},
      {"POST", "/2015-03-31/functions", "", "{"},
      {"POST", "/2015-03-31/functions", "", "[]"},
      {"POST", "/2015-03-31/functions", "", "{\"FunctionName\":5}"},
      {"GET", "/2015-03-31/functions/f/nothing", "", ""},
      {"GET", "/2099-01-01/functions", "", ""},
      {"POST",
       "/2015-03-31/functions/" + std::string(5000, 'f') + "/invocations", "",
       ""},
      {"GET", "/2015-03-31/functions/f", "", ""},
  };
  for (const Case& c : cases) {
    HttpResponse out =
        Send(Signed("lambda", c.method, c.path, c.query, c.body));
    std::string what = std::string(c.method) + " " + c.path.substr(0, 40);
    EXPECT_GE(out.status, 400) << what;
    EXPECT_LT(out.status, 500) << what << " " << out.body;
    EXPECT_NE(FindHeader(out.headers, "x-amzn-ErrorType"), nullptr) << what;
    boost::system::error_code ec;
    json::value v = json::parse(out.body, ec);
    ASSERT_FALSE(ec) << out.body;
    EXPECT_TRUE(v.as_object().contains("Type")) << out.body;
    EXPECT_TRUE(v.as_object().contains("message")) << out.body;
  }
}

TEST_F(HttpFrontSweepTest, TheFrontServesOnAfterTheSweep) {
  for (const std::string& form : QueryForms()) {
    Send(Signed("sqs", "POST", "/", "", form));
  }
  HttpResponse out =
      Send(Signed("sqs", "POST", "/", "", "Action=CreateQueue&QueueName=q"));
  EXPECT_EQ(out.status, 200);
  EXPECT_NE(out.body.find(
                "<QueueUrl>http://127.0.0.1:4566/000000000000/q</QueueUrl>"),
            std::string::npos)
      << out.body;
}

}  // namespace
}  // namespace fanlab::transport
