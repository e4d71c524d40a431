// Topics wired into the Engine: a publish reaches a real queue (envelope
// and raw), a real function (SNS event records, seen through its success
// destination), and a Lambda destination can be a topic.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <string>

#include "tests/engine_fixture.h"

namespace fanlab {
namespace {

namespace json = boost::json;

constexpr const char* kTestFunction = FANLAB_TEST_FUNCTION;
constexpr const char* kQueueUrl = "http://localhost/000000000000/";
constexpr const char* kQueueArn = "arn:aws:sqs:us-east-1:000000000000:";

class EngineTopicsTest : public testing::EngineFixture {
 protected:
  std::string Queue(const std::string& name) {
    Ok("CreateQueue", {{"QueueName", name}});
    return std::string(kQueueArn) + name;
  }
  // The first message of `name`, waiting (in virtual time) for it.
  json::object Receive(const std::string& name) {
    for (int i = 0; i < 10; ++i) {
      json::object got =
          Ok("ReceiveMessage", {{"QueueUrl", std::string(kQueueUrl) + name},
                                {"WaitTimeSeconds", 20},
                                {"MessageAttributeNames", {"All"}}});
      if (got.contains("Messages")) {
        return got["Messages"].as_array().at(0).as_object();
      }
    }
    ADD_FAILURE() << "nothing arrived in " << name;
    return {};
  }
  static json::object Body(const json::object& message) {
    return json::parse(message.at("Body").as_string()).as_object();
  }
};

TEST_F(EngineTopicsTest, PublishReachesQueuesAsEnvelopeAndRaw) {
  std::string topic(
      Ok("CreateTopic", {{"Name", "runs"}})["TopicArn"].as_string());
  Ok("Subscribe", {{"TopicArn", topic},
                   {"Protocol", "sqs"},
                   {"Endpoint", Queue("wrapped")}});
  Ok("Subscribe", {{"TopicArn", topic},
                   {"Protocol", "sqs"},
                   {"Endpoint", Queue("raw")},
                   {"Attributes", {{"RawMessageDelivery", "true"}}}});
  Ok("Publish", {{"TopicArn", topic},
                 {"Message", "Summary for run: r1"},
                 {"Subject", "Run r1"},
                 {"MessageAttributes",
                  {{"Run", {{"DataType", "String"}, {"StringValue", "r1"}}}}}});
  json::object wrapped = Body(Receive("wrapped"));
  EXPECT_EQ(wrapped["Type"], "Notification");
  EXPECT_EQ(wrapped["Message"], "Summary for run: r1");
  EXPECT_EQ(wrapped["Subject"], "Run r1");
  json::object raw = Receive("raw");
  EXPECT_EQ(raw["Body"], "Summary for run: r1");
  EXPECT_EQ(raw["MessageAttributes"].at("Run").at("StringValue"), "r1");
}

TEST_F(EngineTopicsTest, FunctionsGetSnsEventsAndDestinationsCanBeTopics) {
  // echo answers its event: the success destination shows what it got.
  json::array command{kTestFunction, "echo"};
  Ok("CreateFunction",
     {{"FunctionName", "echo"}, {"Code", {{"Command", command}}}});
  std::string results = Queue("results");
  std::string done(
      Ok("CreateTopic", {{"Name", "done"}})["TopicArn"].as_string());
  Ok("Subscribe", {{"TopicArn", done},
                   {"Protocol", "sqs"},
                   {"Endpoint", results},
                   {"Attributes", {{"RawMessageDelivery", "true"}}}});
  Ok("PutFunctionEventInvokeConfig",
     {{"FunctionName", "echo"},
      {"DestinationConfig", {{"OnSuccess", {{"Destination", done}}}}}});
  std::string topic(
      Ok("CreateTopic", {{"Name", "jobs"}})["TopicArn"].as_string());
  Ok("Subscribe",
     {{"TopicArn", topic},
      {"Protocol", "lambda"},
      {"Endpoint", "arn:aws:lambda:us-east-1:000000000000:function:echo"}});
  Ok("Publish", {{"TopicArn", topic}, {"Message", "job 9"}});

  json::object record = Body(Receive("results"));
  EXPECT_EQ(record["requestContext"].at("condition"), "Success");
  json::object event = record["responsePayload"].as_object();
  json::object r = event["Records"].as_array().at(0).as_object();
  EXPECT_EQ(r["EventSource"], "aws:sns");
  EXPECT_EQ(r["Sns"].at("Message"), "job 9");
  EXPECT_EQ(r["Sns"].at("TopicArn").as_string(), topic);
}

}  // namespace
}  // namespace fanlab
