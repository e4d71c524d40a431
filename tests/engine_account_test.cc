// An engine on another region and account (EngineOptions::account): every
// ARN it answers or hands to a function names them, and so do the events
// functions receive and the region their environments are told.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "tests/engine_fixture.h"

namespace fanlab {
namespace {

namespace json = boost::json;

constexpr const char* kTestFunction = FANLAB_TEST_FUNCTION;

testing::EngineFixtureOptions InFrankfurt() {
  testing::EngineFixtureOptions o;
  o.engine.account.region = "eu-central-1";
  o.engine.account.id = "123456789012";
  return o;
}

class EngineAccountTest : public testing::EngineFixture {
 protected:
  EngineAccountTest() : EngineFixture(InFrankfurt()) {
    dir_ = std::filesystem::temp_directory_path() /
           ("fanlab-account-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  ~EngineAccountTest() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::string Url(const std::string& queue) {
    return std::string(
        Ok("GetQueueUrl", {{"QueueName", queue}})["QueueUrl"].as_string());
  }
  // The first message of `queue`, waiting (in virtual time) for it.
  json::object Receive(const std::string& queue) {
    for (int i = 0; i < 10; ++i) {
      json::object got = Ok("ReceiveMessage", {{"QueueUrl", Url(queue)},
                                               {"WaitTimeSeconds", 20}});
      if (got.contains("Messages")) {
        return got["Messages"].as_array().at(0).as_object();
      }
    }
    ADD_FAILURE() << "nothing arrived in " << queue;
    return {};
  }
  std::filesystem::path dir_;
};

// "arn:aws:SERVICE:eu-central-1:123456789012:RESOURCE", as JSON.
json::value Arn(const std::string& service, const std::string& resource) {
  return json::value(json::string("arn:aws:" + service +
                                  ":eu-central-1:123456789012:" + resource));
}
std::string ArnText(const std::string& service, const std::string& resource) {
  return std::string(Arn(service, resource).as_string());
}

TEST_F(EngineAccountTest, EveryArnNamesTheRegionAndAccount) {
  Ok("CreateQueue", {{"QueueName", "jobs"}});
  EXPECT_NE(Url("jobs").find("/123456789012/jobs"), std::string::npos)
      << Url("jobs");
  json::object attrs = Ok("GetQueueAttributes", {{"QueueUrl", Url("jobs")},
                                                 {"AttributeNames", {"All"}}});
  EXPECT_EQ(attrs["Attributes"].at("QueueArn"), Arn("sqs", "jobs"));

  json::array echo{kTestFunction, "echo"};
  json::object created = Ok(
      "CreateFunction", {{"FunctionName", "f"}, {"Code", {{"Command", echo}}}});
  json::value function_arn = Arn("lambda", "function:f");
  EXPECT_EQ(created["FunctionArn"], function_arn);
  EXPECT_EQ(Ok("GetFunction", {{"FunctionName", "f"}})["Configuration"].at(
                "FunctionArn"),
            function_arn);
  json::object config =
      Ok("PutFunctionEventInvokeConfig",
         {{"FunctionName", "f"}, {"MaximumRetryAttempts", 0}});
  EXPECT_EQ(config["FunctionArn"], Arn("lambda", "function:f:$LATEST"));

  json::object mapping =
      Ok("CreateEventSourceMapping",
         {{"EventSourceArn", ArnText("sqs", "jobs")}, {"FunctionName", "f"}});
  EXPECT_EQ(mapping["FunctionArn"], function_arn);
  EXPECT_EQ(mapping["EventSourceArn"], Arn("sqs", "jobs"));

  EXPECT_EQ(Ok("CreateTopic", {{"Name", "t"}})["TopicArn"], Arn("sns", "t"));
  EXPECT_EQ(
      Ok("PutRule",
         {{"Name", "r"}, {"ScheduleExpression", "rate(1 minute)"}})["RuleArn"],
      Arn("events", "rule/r"));
  json::object table =
      Ok("CreateTable",
         {{"TableName", "items"},
          {"AttributeDefinitions",
           {{{"AttributeName", "id"}, {"AttributeType", "S"}}}},
          {"KeySchema", {{{"AttributeName", "id"}, {"KeyType", "HASH"}}}},
          {"BillingMode", "PAY_PER_REQUEST"}});
  EXPECT_EQ(table["TableDescription"].at("TableArn"),
            Arn("dynamodb", "table/items"));
}

TEST_F(EngineAccountTest, FunctionsAreToldTheRegion) {
  json::array env{kTestFunction, "env"};
  Ok("CreateFunction", {{"FunctionName", "env"}, {"Code", {{"Command", env}}}});
  json::object r = Ok("Invoke", {{"FunctionName", "env"}, {"Payload", "{}"}});
  json::object vars = json::parse(r["Payload"].as_string()).as_object();
  EXPECT_EQ(vars["AWS_REGION"], "eu-central-1");
  EXPECT_EQ(vars["AWS_DEFAULT_REGION"], "eu-central-1");
}

TEST_F(EngineAccountTest, TopicsReachFunctionsByTheirArnAndSqsEventsAgree) {
  // SNS -> lambda by the function's ARN in this account; the success
  // destination shows the event.
  json::array echo{kTestFunction, "echo"};
  Ok("CreateFunction",
     {{"FunctionName", "echo"}, {"Code", {{"Command", echo}}}});
  Ok("CreateQueue", {{"QueueName", "results"}});
  std::string results = ArnText("sqs", "results");
  Ok("PutFunctionEventInvokeConfig",
     {{"FunctionName", "echo"},
      {"DestinationConfig", {{"OnSuccess", {{"Destination", results}}}}}});
  std::string topic(
      Ok("CreateTopic", {{"Name", "jobs"}})["TopicArn"].as_string());
  Ok("Subscribe", {{"TopicArn", topic},
                   {"Protocol", "lambda"},
                   {"Endpoint", ArnText("lambda", "function:echo")}});
  Ok("Publish", {{"TopicArn", topic}, {"Message", "job 9"}});
  json::object record =
      json::parse(Receive("results").at("Body").as_string()).as_object();
  json::object sns = record["responsePayload"]
                         .at("Records")
                         .as_array()
                         .at(0)
                         .at("Sns")
                         .as_object();
  EXPECT_EQ(std::string(sns["TopicArn"].as_string()), topic);

  // SQS -> lambda through a mapping: the records name the queue's region.
  std::string log = (dir_ / "events").string();
  json::array rec{
      "/bin/sh", "-c",
      "read -r header; event=$(cat); printf '%s\\n' \"$event\" >> " + log +
          "; printf '{\"status\":\"ok\"}\\n{}' >&3"};
  Ok("CreateFunction", {{"FunctionName", "rec"}, {"Code", {{"Command", rec}}}});
  Ok("CreateQueue", {{"QueueName", "in"}});
  Ok("CreateEventSourceMapping",
     {{"EventSourceArn", ArnText("sqs", "in")}, {"FunctionName", "rec"}});
  Ok("SendMessage", {{"QueueUrl", Url("in")}, {"MessageBody", "m"}});
  std::string line;
  // The function runs in real time: wait (bounded) for its line.
  for (int i = 0; i < 500 && line.empty(); ++i) {
    std::ifstream in(log);
    std::getline(in, line);
    if (line.empty())
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_FALSE(line.empty()) << "the mapping never invoked rec";
  json::object r = json::parse(line).at("Records").as_array().at(0).as_object();
  EXPECT_EQ(r["awsRegion"], "eu-central-1");
  EXPECT_EQ(r["eventSourceARN"], Arn("sqs", "in"));
}

}  // namespace
}  // namespace fanlab
