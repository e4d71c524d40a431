// `fanlab sns|s3api|dynamodb|events|http`: flags to actions (no sockets),
// the flag kinds the new services brought (booleans, a file's bytes as
// base64), and a session per service against an in-process Engine.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <thread>

#include "emulator/cli/service_command.h"
#include "emulator/cli/service_spec.h"
#include "tests/engine_fixture.h"

namespace fanlab::cli {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

json::object Body(const ServiceSpec& service, const SqsArgs& args,
                  std::string* action = nullptr) {
  auto r = TranslateService(service, args);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return {};
  if (action != nullptr) *action = r->action;
  return json::parse(r->body).as_object();
}

TEST(ServiceTranslateTest, EveryServiceIsListedWithItsAwsCliName) {
  std::vector<std::string> names;
  for (const ServiceSpec* s : AllServices()) names.push_back(s->name);
  EXPECT_EQ(names, (std::vector<std::string>{"sqs", "lambda", "sns", "s3api",
                                             "dynamodb", "events", "http"}));
}

TEST(ServiceTranslateTest, SnsSubscribeNamesTheEndpointAsTheAwsCliDoes) {
  std::string action;
  json::object b = Body(SnsService(),
                        {"subscribe",
                         {{"topic-arn", {"arn:t"}},
                          {"protocol", {"sqs"}},
                          {"notification-endpoint", {"arn:q"}},
                          {"attributes", {"RawMessageDelivery=true"}}}},
                        &action);
  EXPECT_EQ(action, "Subscribe");
  EXPECT_EQ(json::serialize(b),
            R"({"TopicArn":"arn:t","Protocol":"sqs","Endpoint":"arn:q",)"
            R"("Attributes":{"RawMessageDelivery":"true"}})");
}

TEST(ServiceTranslateTest, PutObjectReadsTheBodyFileAsBase64) {
  std::string path = ::testing::TempDir() + "/service_commands_test_body";
  std::ofstream(path, std::ios::binary) << std::string("hi\0there", 8);
  json::object b = Body(S3Service(), {"put-object",
                                      {{"bucket", {"b"}},
                                       {"key", {"k"}},
                                       {"body", {path}},
                                       {"metadata", {"a=1"}}}});
  EXPECT_EQ(b["Body"], "aGkAdGhlcmU=");
  EXPECT_EQ(b["Metadata"].at("a"), "1");
  auto missing = TranslateService(
      S3Service(),
      {"put-object",
       {{"bucket", {"b"}}, {"key", {"k"}}, {"body", {path + ".nope"}}}});
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("--body"));
}

TEST(ServiceTranslateTest, BooleansAreTrueOrFalse) {
  json::object q =
      Body(DynamoDbService(),
           {"query",
            {{"table-name", {"T"}},
             {"key-condition-expression", {"pk = :p"}},
             {"expression-attribute-values", {R"({":p":{"S":"a"}})"}},
             {"scan-index-forward", {"false"}},
             {"limit", {"5"}}}});
  EXPECT_EQ(q["ScanIndexForward"], false);
  EXPECT_EQ(q["Limit"], 5);
  EXPECT_EQ(q["ExpressionAttributeValues"].at(":p").at("S"), "a");
  auto bad = TranslateService(HttpService(), {"create-route",
                                              {{"method", {"GET"}},
                                               {"path", {"/"}},
                                               {"function-name", {"f"}},
                                               {"api-key-required", {"yes"}}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("true or false"));
}

TEST(ServiceTranslateTest, EventsTargetsAndRemoveTargetIds) {
  std::string action;
  json::object put = Body(
      EventsService(),
      {"put-targets",
       {{"rule", {"r"}},
        {"targets", {R"([{"Id":"1","Arn":"arn:aws:sqs:us-east-1:0:q"}])"}}}},
      &action);
  EXPECT_EQ(action, "PutTargets");
  EXPECT_EQ(put["Rule"], "r");
  json::object removed =
      Body(EventsService(),
           {"remove-targets", {{"rule", {"r"}}, {"ids", {"1", "2"}}}});
  EXPECT_EQ(json::serialize(removed["Ids"]), R"(["1","2"])");
}

class ServiceCommandTest : public testing::EngineFixture {
 protected:
  // Runs one command; its exit code, with stdout then stderr in `text`.
  int Run(const ServiceSpec& service, std::vector<std::string> args,
          std::string* text = nullptr) {
    std::ostringstream out, err;
    int code = RunService(service, args, client(), out, err);
    if (text != nullptr) *text = out.str() + err.str();
    return code;
  }
};

TEST_F(ServiceCommandTest, EachServiceAnswersItsCommands) {
  std::string out;
  EXPECT_EQ(Run(S3Service(), {"create-bucket", "--bucket", "bkt"}, &out), 0)
      << out;
  EXPECT_EQ(
      Run(S3Service(), {"get-object", "--bucket", "bkt", "--key", "k"}, &out),
      kExitService);
  EXPECT_THAT(out, HasSubstr("NoSuchKey"));

  EXPECT_EQ(
      Run(DynamoDbService(),
          {"create-table", "--table-name", "Things", "--billing-mode",
           "PAY_PER_REQUEST", "--attribute-definitions",
           R"([{"AttributeName":"id","AttributeType":"S"}])", "--key-schema",
           R"([{"AttributeName":"id","KeyType":"HASH"}])"},
          &out),
      0)
      << out;
  const std::vector<std::string> put = {"put-item",
                                        "--table-name",
                                        "Things",
                                        "--item",
                                        R"({"id":{"S":"1"}})",
                                        "--condition-expression",
                                        "attribute_not_exists(id)"};
  EXPECT_EQ(Run(DynamoDbService(), put, &out), 0) << out;
  EXPECT_EQ(Run(DynamoDbService(), put, &out), kExitService);
  EXPECT_THAT(out, HasSubstr("ConditionalCheckFailedException"));

  EXPECT_EQ(Run(SnsService(), {"create-topic", "--name", "t"}, &out), 0);
  EXPECT_EQ(
      Run(SnsService(),
          {"subscribe", "--topic-arn", "arn:aws:sns:us-east-1:000000000000:t",
           "--protocol", "email", "--notification-endpoint", "a@b.c"},
          &out),
      0)
      << out;
  EXPECT_EQ(
      Run(SnsService(),
          {"publish", "--topic-arn", "arn:aws:sns:us-east-1:000000000000:t",
           "--message", "hello", "--subject", "S"},
          &out),
      0)
      << out;
  EXPECT_EQ(Run(SnsService(), {"list-emails"}, &out), 0);
  EXPECT_THAT(out, HasSubstr(R"("Body": "hello")"));

  EXPECT_EQ(Run(EventsService(),
                {"put-rule", "--name", "r", "--schedule-expression",
                 "cron(0 12 * * ? *)"},
                &out),
            0)
      << out;
  EXPECT_EQ(Run(EventsService(),
                {"put-rule", "--name", "bad", "--schedule-expression",
                 "cron(0 12 * * * *)"},
                &out),
            kExitService);
  EXPECT_THAT(out, HasSubstr("ValidationException"));

  EXPECT_EQ(Run(HttpService(), {"create-sink", "--name", "cb"}, &out), 0)
      << out;
  EXPECT_EQ(Run(HttpService(), {"get-sink-requests", "--name", "cb"}, &out), 0);
  EXPECT_THAT(out, HasSubstr(R"("Requests": [])"));
  EXPECT_EQ(Run(HttpService(), {"get-sink-requests"}, &out), kExitUsage);
}

}  // namespace
}  // namespace fanlab::cli
