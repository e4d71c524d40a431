#include "emulator/api/protocol_rest.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "emulator/api/model_xml.h"
#include "emulator/api/protocol_rest_json.h"
#include "emulator/api/protocol_rest_xml.h"
#include "emulator/api/service_model.h"
#include "emulator/api/xml.h"
#include "emulator/compute/lambda_errors.h"
#include "emulator/core/base64.h"
#include "emulator/core/common_errors.h"
#include "emulator/services/s3_errors.h"

namespace fanlab::api {
namespace {

namespace json = boost::json;
using services::FindHeader;
using services::HttpRequest;

const ServiceModel& Lambda() { return ServiceModel::Get("lambda"); }
const ServiceModel& S3() { return ServiceModel::Get("s3"); }

HttpRequest Request(std::string method, std::string path,
                    std::string query = "", std::string body = "") {
  HttpRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.query = std::move(query);
  r.body = std::move(body);
  return r;
}

TEST(ServiceModelTest, EveryEmbeddedModelParsesWithItsProtocol) {
  EXPECT_EQ(ServiceModel::Get("sqs").protocol(), "json");
  EXPECT_EQ(ServiceModel::Get("sqs-query").protocol(), "query");
  EXPECT_EQ(ServiceModel::Get("sns").protocol(), "query");
  EXPECT_EQ(Lambda().protocol(), "rest-json");
  EXPECT_EQ(S3().protocol(), "rest-xml");
  EXPECT_EQ(ServiceModel::Get("dynamodb").target_prefix(), "DynamoDB_20120810");
  EXPECT_EQ(ServiceModel::Get("events").operations().size(), 9u);
  EXPECT_EQ(ServiceModel::Get("events").json_version(), "1.1");
  EXPECT_EQ(ServiceModel::Get("sqs").json_version(), "1.0");
  const Operation* invoke = Lambda().FindOperation("Invoke");
  ASSERT_NE(invoke, nullptr);
  EXPECT_EQ(invoke->method, "POST");
  EXPECT_EQ(invoke->input->payload, "Payload");
}

TEST(ServiceModelTest, AMalformedModelSaysWhy) {
  std::string error;
  EXPECT_EQ(ServiceModel::Parse("[]", &error), nullptr);
  EXPECT_EQ(ServiceModel::Parse(
                R"({"metadata":{},"operations":{},"shapes":{"A":{"type":)"
                R"("structure","members":{"b":{"shape":"Missing"}}}}})",
                &error),
            nullptr);
  EXPECT_NE(error.find("Missing"), std::string::npos);
}

TEST(RestRoutingTest, LabelsGreedyLabelsAndFixedQueryParameters) {
  auto m = MatchOperation(Lambda(), "POST",
                          "/2015-03-31/functions/my%2Dfn/invocations", {});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->operation->name, "Invoke");
  EXPECT_EQ(m->labels["FunctionName"], "my-fn");
  m = MatchOperation(Lambda(), "GET", "/2015-03-31/functions/", {});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->operation->name, "ListFunctions");
  m = MatchOperation(S3(), "GET", "/b/dir/a%20b.txt", {});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->operation->name, "GetObject");
  EXPECT_EQ(m->labels["Key"], "dir/a b.txt");
  m = MatchOperation(S3(), "GET", "/b", {{"list-type", "2"}});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->operation->name, "ListObjectsV2");
  m = MatchOperation(S3(), "GET", "/", {});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->operation->name, "ListBuckets");
}

TEST(RestRoutingTest, NoMatchAndOverlongLabelsAreErrors) {
  auto m = MatchOperation(Lambda(), "PATCH", "/2015-03-31/functions", {});
  EXPECT_EQ(m.status().code(), common::kUnknownOperationException);
  // No S3 action is a PATCH.
  EXPECT_FALSE(MatchOperation(S3(), "PATCH", "/b", {}).ok());
  // UploadPart needs both of its query parameters.
  m = MatchOperation(S3(), "PUT", "/b/k", {{"uploadId", "u"}});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->operation->name, "PutObject");
  m = MatchOperation(S3(), "GET",
                     "/b/" + std::string(kMaxUriLabelBytes + 1, 'k'), {});
  EXPECT_EQ(m.status().code(), common::kSerializationException);
}

TEST(RestJsonTest, InvokeTakesTheRawBodyAndItsHeaders) {
  HttpRequest r = Request("POST", "/2015-03-31/functions/f/invocations",
                          "Qualifier=%24LATEST", R"({"a": [1, 2]})");
  r.headers = {{"X-Amz-Invocation-Type", "Event"},
               {"x-amz-log-type", "Tail"},
               {"X-Amz-Client-Context", "e30="}};
  auto call = RestJsonRequest(Lambda(), r);
  ASSERT_TRUE(call.ok()) << call.status().message();
  EXPECT_EQ(call->operation->name, "Invoke");
  json::value v = json::parse(call->json);
  EXPECT_EQ(v.at("FunctionName"), "f");
  EXPECT_EQ(v.at("Payload"), R"({"a": [1, 2]})");
  EXPECT_EQ(v.at("InvocationType"), "Event");
  EXPECT_EQ(v.at("LogType"), "Tail");
  EXPECT_EQ(v.at("ClientContext"), "e30=");
  EXPECT_EQ(v.at("Qualifier"), "$LATEST");
}

TEST(RestJsonTest, InvokeAnswersWithHeadersStatusAndTheRawPayload) {
  ApiResponse r;
  r.body = R"({"StatusCode":200,"FunctionError":"Unhandled",)"
           R"("LogResult":"bG9n","ExecutedVersion":"$LATEST",)"
           R"("Payload":"{\"errorType\":\"E\"}"})";
  auto out = RestJsonResponse(*Lambda().FindOperation("Invoke"), r);
  EXPECT_EQ(out.status, 200);
  EXPECT_EQ(out.body, R"({"errorType":"E"})");
  EXPECT_EQ(*FindHeader(out.headers, "X-Amz-Function-Error"), "Unhandled");
  EXPECT_EQ(*FindHeader(out.headers, "X-Amz-Log-Result"), "bG9n");
  EXPECT_EQ(*FindHeader(out.headers, "X-Amz-Executed-Version"), "$LATEST");
  r.body = R"({"StatusCode":202,"Payload":""})";
  out = RestJsonResponse(*Lambda().FindOperation("Invoke"), r);
  EXPECT_EQ(out.status, 202);
  EXPECT_EQ(out.body, "");
}

TEST(RestJsonTest, BodiesQueryStringsAndTheirErrors) {
  auto call = RestJsonRequest(
      Lambda(), Request("PUT", "/2017-10-31/functions/f/concurrency", "",
                        R"({"ReservedConcurrentExecutions":3})"));
  ASSERT_TRUE(call.ok());
  EXPECT_EQ(json::parse(call->json),
            json::parse(R"({"ReservedConcurrentExecutions":3,)"
                        R"("FunctionName":"f"})"));
  call = RestJsonRequest(Lambda(),
                         Request("GET", "/2015-03-31/functions", "MaxItems=x"));
  ASSERT_FALSE(call.ok());
  EXPECT_NE(call.status().message().find("MaxItems"), std::string::npos);
  call = RestJsonRequest(Lambda(),
                         Request("POST", "/2015-03-31/functions", "", "[1]"));
  EXPECT_EQ(call.status().code(), common::kSerializationException);
}

TEST(RestJsonTest, ErrorsCarryTheTypeHeaderAndLambdasBody) {
  for (auto [code, status] :
       {std::pair<ErrorCode, int>{lambda::kResourceNotFoundException, 404},
        {lambda::kResourceConflictException, 409},
        {lambda::kTooManyRequestsException, 429},
        {lambda::kInvalidParameterValueException, 400},
        {lambda::kRequestTooLargeException, 413}}) {
    auto out =
        RestJsonError(ErrorResponse(Status(code, "why"), ApiService::kLambda));
    EXPECT_EQ(out.status, status);
    EXPECT_EQ(*FindHeader(out.headers, "x-amzn-ErrorType"), ErrorName(code));
    EXPECT_EQ(json::parse(out.body),
              json::parse(R"({"Type":"User","message":"why"})"));
  }
}

TEST(RestXmlTest, PutObjectBodyHeadersAndMetadata) {
  HttpRequest r = Request("PUT", "/k", "", std::string("\0\x01", 2));
  r.headers = {{"Content-Type", "text/plain"},
               {"X-Amz-Meta-Who", "me"},
               {"x-amz-meta-n", "1"}};
  auto call = RestXmlRequest(S3(), r, "bkt");
  ASSERT_TRUE(call.ok()) << call.status().message();
  EXPECT_EQ(call->operation->name, "PutObject");
  json::value v = json::parse(call->json);
  EXPECT_EQ(v.at("Bucket"), "bkt");
  EXPECT_EQ(v.at("Key"), "k");
  EXPECT_EQ(v.at("Body").as_string(), Base64Encode(std::string("\0\x01", 2)));
  EXPECT_EQ(v.at("ContentType"), "text/plain");
  EXPECT_EQ(v.at("Metadata"), json::parse(R"({"who":"me","n":"1"})"));
}

TEST(RestXmlTest, AStructurePayloadIsReadAsXml) {
  auto call = RestXmlRequest(
      S3(),
      Request("PUT", "/b", "",
              "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/"
              "2006-03-01/\"><LocationConstraint>eu-west-1</"
              "LocationConstraint></CreateBucketConfiguration>"),
      "");
  ASSERT_TRUE(call.ok());
  EXPECT_EQ(json::parse(call->json).at("CreateBucketConfiguration"),
            json::parse(R"({"LocationConstraint":"eu-west-1"})"));
  call = RestXmlRequest(S3(), Request("PUT", "/b", "", "<Create"), "");
  EXPECT_EQ(call.status().code(), common::kSerializationException);
}

TEST(RestXmlTest, GetObjectAnswersRawBytesAndHttpDates) {
  ApiResponse r;
  r.body = R"({"Body":"AAE=","ContentLength":2,"ETag":"\"e\"",)"
           R"("LastModified":"2026-12-06T06:00:00.000Z","ContentType":"x/y",)"
           R"("Metadata":{"who":"me"},"ContentRange":"bytes 0-1/9"})";
  auto out =
      RestXmlResponse(S3(), *S3().FindOperation("GetObject"), r, "{}", "rid");
  EXPECT_EQ(out.status, 206);
  EXPECT_EQ(out.body, std::string("\0\x01", 2));
  EXPECT_EQ(*FindHeader(out.headers, "Last-Modified"),
            "Sun, 06 Dec 2026 06:00:00 GMT");
  EXPECT_EQ(*FindHeader(out.headers, "ETag"), "\"e\"");
  EXPECT_EQ(*FindHeader(out.headers, "x-amz-meta-who"), "me");
  EXPECT_EQ(FindHeader(out.headers, "Content-Length"), nullptr);
  auto head =
      RestXmlResponse(S3(), *S3().FindOperation("HeadObject"), r, "{}", "rid");
  EXPECT_EQ(*FindHeader(head.headers, "Content-Length"), "2");
  EXPECT_EQ(head.body, "");
}

TEST(RestXmlTest, ListAnswersAreS3sXml) {
  ApiResponse r;
  r.body = R"({"Name":"b","KeyCount":1,"IsTruncated":false,)"
           R"("Contents":[{"Key":"k","Size":3}],)"
           R"("CommonPrefixes":[{"Prefix":"d/"}]})";
  auto out = RestXmlResponse(S3(), *S3().FindOperation("ListObjectsV2"), r,
                             "{}", "rid");
  auto root = ParseXml(out.body);
  ASSERT_TRUE(root.ok()) << out.body;
  EXPECT_EQ(root->name, "ListBucketResult");
  EXPECT_EQ(root->Child("Contents")->Child("Key")->text, "k");
  EXPECT_EQ(root->Child("CommonPrefixes")->Child("Prefix")->text, "d/");
  EXPECT_EQ(root->Child("IsTruncated")->text, "false");
}

TEST(RestXmlTest, ErrorsNameTheKeyAndHeadErrorsAreBodiless) {
  ApiResponse e =
      ErrorResponse(Status(s3::kNoSuchKey, "gone"), ApiService::kS3);
  auto out = RestXmlError(e, "GET", R"({"Bucket":"b","Key":"k"})", "rid");
  EXPECT_EQ(out.status, 404);
  auto root = ParseXml(out.body);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->name, "Error");
  EXPECT_EQ(root->Child("Code")->text, "NoSuchKey");
  EXPECT_EQ(root->Child("Key")->text, "k");
  EXPECT_EQ(root->Child("RequestId")->text, "rid");
  out = RestXmlError(e, "HEAD", R"({"Bucket":"b","Key":"k"})", "rid");
  EXPECT_EQ(out.status, 404);
  EXPECT_EQ(out.body, "");
}

TEST(ModelXmlTest, HttpDatesAcrossTheCalendar) {
  EXPECT_EQ(HttpDate(json::value("1970-01-01T00:00:00Z")),
            "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(HttpDate(json::value("2024-02-29T23:59:59.999Z")),
            "Thu, 29 Feb 2024 23:59:59 GMT");
  EXPECT_EQ(HttpDate(json::value(1796536800)), "Sun, 06 Dec 2026 06:00:00 GMT");
  EXPECT_EQ(HttpDate(json::value("yesterday")), "");
}

}  // namespace
}  // namespace fanlab::api
